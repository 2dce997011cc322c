"""JSON schemas of what the VLM must answer: common fields plus each category's `extracted`.

Each category's fields (``engine.categories.CATEGORY_FIELDS``) get a type here; a pydantic
model is built per category, validates the answer, and gives the JSON Schema sent as
``response_format``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from imagelens.engine.kinds.categories import CATEGORY_FIELDS
from imagelens.types import ContentCategory

_INT_FIELDS = {"people_count"}
_BOOL_FIELDS = {"text_present"}
_MAP_FIELDS = {"key_values", "operating_conditions"}
_ITEM_FIELDS = {"line_items"}  # [{"name": ..., "price": ...}]
_STRING_FIELDS = {
    "scene",
    "room_type",
    "condition",
    "style",
    "space_type",
    "lighting",
    "product_type",
    "brand",
    "background",
    "visible_text",
    "drawing_type",
    "scale",
    "plan_type",
    "diagram_type",
    "operation_type",
    "geology",
    "medium",
    "subject",
    "signature_text",
    "application",
    "platform",
    "document_type",
    "title",
    "map_type",
    "phase",
    "system",
    "condition_rating",
    "merchant",
    "total",
    "currency",
    "tax",
    "gtin",
}  # every other field is a list of strings


def field_type(name: str) -> Any:
    if name in _INT_FIELDS:
        return int | None
    if name in _BOOL_FIELDS:
        return bool | None
    if name in _MAP_FIELDS:
        return dict[str, str] | None
    if name in _ITEM_FIELDS:
        return list[dict[str, str]] | None
    if name in _STRING_FIELDS:
        return str | None
    return list[str] | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")


@cache
def extracted_model(category: ContentCategory) -> type[BaseModel]:
    """The pydantic model of one category's `extracted` object."""
    fields: dict[str, Any] = {
        name: (field_type(name), Field(default=None)) for name in CATEGORY_FIELDS[category]
    }
    return create_model(
        f"{category.value.title().replace('_', '')}Fields", __base__=_Strict, **fields
    )


class Common(_Strict):
    description: str = Field(min_length=1, description="1-3 sentences describing the image.")
    tags: list[str] = Field(default_factory=list, max_length=30, description="Short keywords.")
    visible_text: str | None = Field(default=None, description="A summary of legible text.")


@cache
def answer_model(category: ContentCategory) -> type[Common]:
    """Common fields plus ``extracted`` of ``category`` (general's fields under auto)."""
    key = ContentCategory.GENERAL if category is ContentCategory.AUTO else category
    return create_model(
        f"{extracted_model(key).__name__}Answer",
        __base__=Common,
        extracted=(extracted_model(key), Field(default_factory=extracted_model(key))),
    )


def answer_schema(
    category: ContentCategory, custom: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON Schema of the answer; a custom schema replaces ``extracted``."""
    schema = answer_model(category).model_json_schema()
    if custom is not None:
        schema["properties"]["extracted"] = custom
        schema.setdefault("required", []).append("extracted")
        schema.get("$defs", {}).pop(f"{extracted_model(_key(category)).__name__}", None)
    return schema


def _key(category: ContentCategory) -> ContentCategory:
    return ContentCategory.GENERAL if category is ContentCategory.AUTO else category
