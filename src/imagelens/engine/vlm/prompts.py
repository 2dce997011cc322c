"""The messages sent to the VLM: instructions, the schema, the image, the user's prompt."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from PIL import Image

from imagelens.config import VlmSettings
from imagelens.intake import DecodedImage
from imagelens.types import ContentCategory, Language

LANGUAGE_NAMES = {
    Language.EN: "English",
    Language.ZH: "Chinese (Simplified)",
    Language.DE: "German",
    Language.ES: "Spanish",
    Language.FR: "French",
    Language.JA: "Japanese",
    Language.KO: "Korean",
    Language.FI: "Finnish",
    Language.NL: "Dutch",
    Language.PT: "Portuguese",
    Language.TR: "Turkish",
    Language.RU: "Russian",
}


def image_part(image: Image.Image, settings: VlmSettings) -> dict[str, Any]:
    """The decoded, upright image as a JPEG data URI, at most ``max_image_side`` px."""
    # An integer reduction first, then a box filter for the rest (area averaging, right for
    # shrinking): Lanczos cost 130 ms on a 12 MP photo and 20 ms at 1 MP here, bilinear 25
    # and 11 ms, this less again (benchmarks/vlm.py).
    side = settings.max_image_side
    factor = max(image.size) // side
    if factor >= 2:
        image = image.reduce(factor)
    scale = side / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BOX)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    url = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
    return {"type": "image_url", "image_url": {"url": url, "detail": settings.detail}}


def image_parts(image: DecodedImage, settings: VlmSettings) -> tuple[list[dict[str, Any]], str]:
    """What the model is shown: the image, or a video's key frames (at most
    ``max_images_per_request``, spread over the clip) in one request, with a sentence saying
    what they are ("" for a single image)."""
    frames = image.video.frames if image.video is not None else ()
    if len(frames) < 2 or settings.max_images_per_request < 2:
        return [image_part(image.image, settings)], ""
    most = settings.max_images_per_request
    # Spread over the clip, first and last frame included.
    picks = sorted({round(i * (len(frames) - 1) / (most - 1)) for i in range(most)})
    chosen = [frames[i] for i in picks]
    times = ", ".join(f"{int(f.time_s // 60)}:{round(f.time_s % 60):02d}" for f in chosen)
    note = (
        f"The {len(chosen)} images are key frames of one video, in time order, taken at "
        f"{times}. Describe the whole clip, not one frame."
    )
    return [image_part(f.image, settings) for f in chosen], note


def analysis_messages(
    images: list[dict[str, Any]],
    *,
    category: ContentCategory,
    lang: Language,
    schema: dict[str, Any],
    prompt: str | None,
    hint: str | None,
    note: str = "",
) -> list[dict[str, Any]]:
    """Ask for one JSON object with the description, tags, text summary and `extracted`."""
    language = LANGUAGE_NAMES[lang]
    system = (
        "You are an image analysis service. Answer with one JSON object and nothing else, "
        f"valid against this JSON Schema:\n{json.dumps(schema, separators=(',', ':'))}\n"
        f"Write `description` (1-3 sentences) and `tags` in {language}. Put only what is "
        "visible in the image; use null for fields you cannot tell."
    )
    task = f"Content category: {category.value}."
    if note:
        task = f"{note}\n{task}"
    if hint:
        task += f" Extraction hint: {hint}"
    if prompt:
        task += f"\nThe user asks: {prompt}"
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": [{"type": "text", "text": task}, *images]},
    ]


def repair_messages(
    messages: list[dict[str, Any]], bad_answer: str, problem: str
) -> list[dict[str, Any]]:
    """The same conversation plus the invalid answer and what was wrong with it."""
    return [
        *messages,
        {"role": "assistant", "content": bad_answer[:4000]},
        {
            "role": "user",
            "content": f"That answer is not valid: {problem}. Reply with only the corrected "
            "JSON object.",
        },
    ]


def markdown_messages(
    images: list[dict[str, Any]], prompt: str, lang: Language, note: str = ""
) -> list[dict[str, Any]]:
    """The describe-image endpoint: the user's prompt, a markdown answer in ``lang``."""
    system = f"You describe images. Answer in {LANGUAGE_NAMES[lang]}, formatted as Markdown."
    text = f"{note}\n{prompt}" if note else prompt
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": [{"type": "text", "text": text}, *images]},
    ]


def response_format(settings: VlmSettings, schema: dict[str, Any]) -> dict[str, Any] | None:
    if settings.structured_output == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "image_analysis", "schema": schema}}
    if settings.structured_output == "json_object":
        return {"type": "json_object"}
    return None
