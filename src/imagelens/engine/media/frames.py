"""What several pictures of one file add up to (a PDF's pages, a video's key frames)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from imagelens.engine.base import Analyzer
from imagelens.intake import DecodedImage
from imagelens.types import Moderation, ModerationLabel, TagScore

# Runs analyzers side by side on one picture and answers {name: output} (the engine's pool).
RunAnalyzers = Callable[[Sequence[Analyzer], DecodedImage], dict[str, object]]


def run_timed(
    run: RunAnalyzers,
    analyzers: Sequence[Analyzer],
    image: DecodedImage,
    timings: dict[str, float],
) -> dict[str, object]:
    """``run`` on one page or frame; each analyzer is charged the whole time (they shared it)."""
    if not analyzers:
        return {}
    started = time.perf_counter()
    outputs = run(analyzers, image)
    elapsed = (time.perf_counter() - started) * 1000
    for analyzer in analyzers:
        timings[analyzer.name] = round(timings.get(analyzer.name, 0.0) + elapsed, 2)
    return outputs


def merge_moderation(verdicts: Sequence[Moderation]) -> Moderation | None:
    """Flagged if any picture is; each label at its highest score; faces summed."""
    if not verdicts:
        return None
    scores: dict[str, float] = {}
    for verdict in verdicts:
        for label in verdict.labels:
            scores[label.label] = max(scores.get(label.label, 0.0), label.score)
    return Moderation(
        flagged=any(v.flagged for v in verdicts),
        labels=[ModerationLabel(label=k, score=v) for k, v in sorted(scores.items())],
        face_count=sum(v.face_count for v in verdicts),
    )


def merge_tags(lists: Sequence[Sequence[TagScore]]) -> list[TagScore]:
    """Each tag once, at its highest confidence, most confident first."""
    best: dict[str, TagScore] = {}
    for tags in lists:
        for tag in tags:
            if tag.name not in best or tag.confidence > best[tag.name].confidence:
                best[tag.name] = tag
    return sorted(best.values(), key=lambda t: t.confidence, reverse=True)
