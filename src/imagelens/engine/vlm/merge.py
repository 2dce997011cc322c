"""How a VLM answer and the local analysis become one result.

| field | `vlm` | `hybrid` |
|---|---|---|
| description, tags | VLM | VLM |
| extracted | VLM | VLM; a field the VLM left null takes the local value |
| visible_text | VLM's summary | local OCR (exact, with boxes); the VLM's only if OCR found none |
| text_regions, moderation, colors, barcodes | none | local |
| metadata, exif, hashes | intake | intake |
| confidence_score | null (descriptions carry none) | null |
"""

from __future__ import annotations

from imagelens.engine.vlm.backend import VlmAnswer
from imagelens.intake import DecodedImage
from imagelens.types import AnalysisResult, ContentCategory, Language


def merge(
    answer: VlmAnswer,
    *,
    image: DecodedImage,
    local: AnalysisResult | None,
    category: ContentCategory,
    lang: Language,
    model_version: str,
) -> AnalysisResult:
    extracted = answer.extracted
    if local is not None and isinstance(extracted, dict) and local.extracted:
        extracted = {
            k: (v if v is not None else local.extracted.get(k)) for k, v in extracted.items()
        }
    visible_text = answer.visible_text
    if local is not None and local.visible_text:
        visible_text = local.visible_text
    timings = dict(local.timings_ms) if local else {}
    timings["vlm"] = round(answer.server_ms + answer.own_ms, 2)
    versions = dict(local.model_versions) if local else {}
    versions["vlm"] = model_version
    return AnalysisResult(
        description=answer.description,
        tags=answer.tags,
        visible_text=visible_text,
        text_regions=local.text_regions if local else [],
        metadata=image.metadata,
        exif=image.exif,
        category=category.value,
        extracted=extracted,
        moderation=local.moderation if local else None,
        colors=local.colors if local else None,
        barcodes=local.barcodes if local else [],
        confidence_score=None,
        backend="hybrid" if local is not None else "vlm",
        lang=lang.value,
        content_hash=image.content_hash,
        perceptual_hash=image.perceptual_hash,
        timings_ms=timings,
        model_versions=versions,
    )
