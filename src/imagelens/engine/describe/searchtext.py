"""What an image is found by: its analysis turned into the words of its search row.

Tags go in under their names in all 12 languages (a German "Katze" finds an image tagged
"tabby" in English, and the other way round); the category and the extracted values
(flattened, keys left out: they are schema names, not content) go into ``extra``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from imagelens.db.fulltext import SearchText
from imagelens.engine.describe.tagnames import every_name

# A column longer than this is cut: a 500-page PDF's text ranks no better for being whole.
MAX_COLUMN_CHARS = 100_000


def search_text_of(filename: str, result: Mapping[str, Any]) -> SearchText:
    """The search row's words for an image called ``filename`` with this stored result."""
    tags = [*result.get("tags", [])]
    tags += [t for frame in result.get("frames", []) for t in frame.get("tags", [])]
    names = dict.fromkeys(name for tag in tags for name in every_name(str(tag)))
    category = str(result.get("category") or "")
    extra = [category.replace("_", " "), *_values(result.get("extracted"))]
    return SearchText(
        lang=str(result.get("lang") or "en"),
        filename=_cut(filename),
        description=_cut(str(result.get("description") or "")),
        tags=_cut(" · ".join(names)),
        visible_text=_cut(str(result.get("visible_text") or "")),
        extra=_cut(" · ".join(v for v in extra if v)),
    )


def _values(value: object) -> Iterator[str]:
    """Every string and number inside ``value``, depth first."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, str | int | float):
        yield str(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _values(item)


def _cut(text: str) -> str:
    return text[:MAX_COLUMN_CHARS]
