"""Text set in columns (Japanese, Chinese): read top to bottom, right to left.

The detector boxes such a column as one tall box and the recogniser reads it top to bottom
(ocr/detect.py turns the crop upright), but the line grouping of ``box.reading_order`` takes
all the columns of a page for one line, left to right: the last column first.
"""

from __future__ import annotations

import re

from imagelens.engine.local.layout.box import Box

# Han, kana and their punctuation: the scripts set in columns that PP-OCR reads. (Korean,
# re-read by Tesseract along horizontal runs, is not read in columns.)
_COLUMN_SCRIPT = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# A column box is this many times taller than wide (the recogniser turns crops from 1.5)...
_TALL = 1.5
# ...and a page is set in columns when this share of its boxes are.
_SHARE = 0.6


def is_column(box: Box) -> bool:
    """A tall box of characters of a script set in columns."""
    return (box.y1 - box.y0) >= _TALL * (box.x1 - box.x0) and bool(_COLUMN_SCRIPT.search(box.text))


def in_columns(boxes: list[Box]) -> bool:
    """Whether the text is set in columns: most of its boxes are."""
    return bool(boxes) and sum(map(is_column, boxes)) >= _SHARE * len(boxes)


def column_order(boxes: list[Box]) -> list[list[Box]]:
    """The columns as lines, right to left; the pieces of a column the detector cut apart,
    top to bottom. A box joins the column to its right while their spans overlap by half
    the narrower width (columns set tight, or turned a little, keep apart)."""
    columns: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: -b.x1):
        column = columns[-1] if columns else None
        if column is not None and _together(box, column):
            column.append(box)
        else:
            columns.append([box])
    return [[box] for column in columns for box in sorted(column, key=lambda b: b.y0)]


def _together(box: Box, column: list[Box]) -> bool:
    left, right = min(b.x0 for b in column), max(b.x1 for b in column)
    overlap = min(right, box.x1) - max(left, box.x0)
    return overlap >= 0.5 * min(right - left, box.x1 - box.x0)
