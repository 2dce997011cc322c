"""The VLM back-end: one image in, a validated answer out (repaired once, else classified)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from imagelens.config import VlmSettings
from imagelens.engine.vlm.client import ChatClient
from imagelens.engine.vlm.custom import validate_against
from imagelens.engine.vlm.prompts import (
    analysis_messages,
    image_parts,
    markdown_messages,
    repair_messages,
    response_format,
)
from imagelens.engine.vlm.schemas import Common, answer_model, answer_schema
from imagelens.errors import VlmError
from imagelens.intake import DecodedImage
from imagelens.types import ContentCategory, Language

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.M)


@dataclass(frozen=True)
class VlmAnswer:
    description: str
    tags: list[str]
    visible_text: str | None
    extracted: dict[str, Any] | None
    server_ms: float  # time the server took, summed over calls
    own_ms: float  # our time: image preparation, prompt, parsing, validation
    calls: int
    usage: dict[str, int] = field(default_factory=dict)


class VlmBackend:
    """Talks to one OpenAI-compatible server; safe to share between threads."""

    def __init__(self, settings: VlmSettings, client: ChatClient | None = None) -> None:
        self.settings = settings
        self.client = client or ChatClient(settings)

    @property
    def version(self) -> str:
        return f"openai-compatible:{self.settings.model or 'server-default'}"

    def close(self) -> None:
        self.client.close()

    def analyze(
        self,
        image: DecodedImage,
        *,
        category: ContentCategory,
        lang: Language,
        prompt: str | None = None,
        custom_schema: Mapping[str, Any] | None = None,
        hint: str | None = None,
    ) -> VlmAnswer:
        """Ask for the structured answer; one repair round for invalid output, then VlmError."""
        started = time.perf_counter()
        custom = dict(custom_schema) if custom_schema is not None else None
        schema = answer_schema(category, custom)
        images, note = image_parts(image, self.settings)
        messages = analysis_messages(
            images,
            note=note,
            category=category,
            lang=lang,
            schema=schema,
            prompt=prompt,
            hint=hint,
        )
        fmt = response_format(self.settings, schema)
        server_ms, usage, calls = 0.0, {"prompt_tokens": 0, "completion_tokens": 0}, 0
        problem = ""
        for _round in range(2):  # the answer, then at most one repair
            completion = self.client.complete(messages, response_format=fmt)
            calls += 1
            server_ms += completion.server_ms
            usage["prompt_tokens"] += completion.prompt_tokens or 0
            usage["completion_tokens"] += completion.completion_tokens or 0
            parsed, problem = _parse(completion.content, category, custom)
            if parsed is not None:
                own = (time.perf_counter() - started) * 1000 - server_ms
                return VlmAnswer(
                    **parsed, server_ms=server_ms, own_ms=own, calls=calls, usage=usage
                )
            messages = repair_messages(messages, completion.content, problem)
        raise VlmError(
            f"The VLM's answer was not valid JSON for the schema, even after a repair: {problem}",
            details={"calls": calls, "server_ms": round(server_ms, 2)},
        )

    def describe_markdown(self, image: DecodedImage, prompt: str, lang: Language) -> str:
        """The model's free-form markdown answer to ``prompt``."""
        images, note = image_parts(image, self.settings)
        messages = markdown_messages(images, prompt, lang, note)
        content = self.client.complete(messages).content.strip()
        if not content:
            raise VlmError("The VLM answered with an empty message.")
        return content


def _parse(
    content: str, category: ContentCategory, custom: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, str]:
    """The answer's fields, or None and what is wrong (for the repair round)."""
    text = _FENCE.sub("", content.strip())
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None, "no JSON object found"
    try:
        raw = json.loads(text[start : end + 1])
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON ({exc.msg} at position {exc.pos})"
    if not isinstance(raw, dict):
        return None, "the JSON is not an object"
    try:
        if custom is None:
            answer = answer_model(category).model_validate(raw)
            extracted = answer.model_dump()["extracted"]
        else:
            answer = Common.model_validate(raw)
            extracted = raw.get("extracted")
            if (problem := validate_against(custom, extracted)) is not None:
                return None, problem
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        return None, f"{where}: {first['msg']}"
    tags = list(dict.fromkeys(t.strip().lower() for t in answer.tags if t.strip()))
    return {
        "description": answer.description.strip(),
        "tags": tags,
        "visible_text": answer.visible_text,
        "extracted": extracted,
    }, ""
