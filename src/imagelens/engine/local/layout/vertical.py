"""Text set in columns (Japanese, Chinese, Korean): read top to bottom, right to left.

The detector boxes such a column as one tall box and the recogniser reads it top to bottom
(ocr/detect.py turns the crop upright), but the line grouping of ``box.reading_order`` takes
all the columns of a page for one line, left to right: the last column first.
"""

from __future__ import annotations

import re

from imagelens.engine.local.layout.box import Box

# Han, kana, Hangul and their punctuation: the scripts set in columns.
_COLUMN_SCRIPT = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
# A column box is this many times taller than wide...
_TALL = 2.0
# ...and a page is set in columns when this share of its boxes are.
_SHARE = 0.6


def is_column(box: Box) -> bool:
    """A tall box of characters of a script set in columns."""
    return (box.y1 - box.y0) >= _TALL * (box.x1 - box.x0) and bool(_COLUMN_SCRIPT.search(box.text))


def in_columns(boxes: list[Box]) -> bool:
    """Whether the text is set in columns: most of its boxes are."""
    return bool(boxes) and sum(map(is_column, boxes)) >= _SHARE * len(boxes)


def column_order(boxes: list[Box]) -> list[list[Box]]:
    """The columns as lines, right to left (a column the detector cut in two, top first)."""
    order = sorted(boxes, key=lambda b: (-round((b.x0 + b.x1) / 2 / _width(boxes)), b.y0))
    return [[box] for box in order]


def _width(boxes: list[Box]) -> float:
    """The median column width: columns whose centres lie within it are one column."""
    widths = sorted(b.x1 - b.x0 for b in boxes)
    return max(widths[len(widths) // 2], 1.0)
