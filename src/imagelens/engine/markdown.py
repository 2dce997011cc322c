"""An analysis as the markdown answer of the describe-image API."""

from __future__ import annotations

from imagelens.types import AnalysisResult


def to_markdown(result: AnalysisResult) -> str:
    parts = [result.description]
    if result.tags:
        parts.append("**Tags:** " + ", ".join(result.tags[:10]))
    if result.visible_text:
        quoted = "\n".join(f"> {line}" for line in result.visible_text.splitlines() if line)
        parts.append("**Visible text:**\n\n" + quoted)
    return "\n\n".join(parts)
