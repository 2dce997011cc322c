"""A form's label/value pairs read from where its text sits: "Invoice No.:" and the box to
its right on the same line, or the box right below it when nothing follows on the line.

The regexes of categories.py read "Label: value" within one line of text; this reads pairs
the text alone cannot tell apart (two pairs on one line, a value under its label) and
leaves out what lies inside a table (its cells are not a form's fields)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import groupby

from imagelens.engine.tables.pieces import Piece, lines_of
from imagelens.types import BBox, Table, TextRegion

# A label: a few words starting with a letter, ending with a colon; no more digits than a
# "No. 2" or an "Address line 1" carries.
_LABEL = re.compile(r"^([A-Za-z][\w .,/#()&'-]{0,38}?)\s*:$")
# One box holding "Label: value" (the text layer often writes a pair as one run).
_PAIR = re.compile(r"^([A-Za-z][\w .,/#()&'-]{0,38}?)\s*:\s+(\S.{0,80})$")


def layout_pairs(regions: Sequence[TextRegion], tables: Sequence[Table] = ()) -> dict[str, str]:
    """Label -> value, page by page, top to bottom; boxes inside ``tables`` left out."""
    out: dict[str, str] = {}
    for page, group in groupby(regions, key=lambda r: r.page):
        boxes = [table.bbox for table in tables if table.page == page]
        pieces = [
            Piece(
                r.text.strip(),
                r.bbox.x,
                r.bbox.y,
                r.bbox.x + r.bbox.width,
                r.bbox.y + r.bbox.height,
            )
            for r in group
            if r.text.strip() and not any(_within(r.bbox, box) for box in boxes)
        ]
        for label, value in _pairs(lines_of(pieces)):
            out.setdefault(label, value)
    return out


def _pairs(lines: list[list[Piece]]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for index, line in enumerate(lines):
        for k, piece in enumerate(line):
            if (pair := _PAIR.match(piece.text)) is not None:
                found.append((pair.group(1).strip(), pair.group(2).strip()))
                continue
            label = _LABEL.match(piece.text)
            if label is None:
                continue
            right = line[k + 1] if k + 1 < len(line) else None
            if right is not None and not _LABEL.match(right.text):
                found.append((label.group(1).strip(), right.text))
            elif below := _below(piece, lines[index + 1 : index + 2]):
                # Nothing after it on its line but another label: its value is underneath.
                found.append((label.group(1).strip(), below.text))
    return found


def _below(label: Piece, following: list[list[Piece]]) -> Piece | None:
    """The box right under ``label`` (starting within its width, at most a line below)."""
    for line in following:
        for piece in line:
            close = piece.y0 - label.y1 <= 1.2 * label.height
            under = label.x0 - 0.5 * label.height <= piece.x0 < label.x1
            if close and under and not _LABEL.match(piece.text) and not _PAIR.match(piece.text):
                return piece
    return None


def _within(box: BBox, area: BBox) -> bool:
    cx, cy = box.x + box.width / 2, box.y + box.height / 2
    return area.x <= cx <= area.x + area.width and area.y <= cy <= area.y + area.height
