"""Column evidence from a layout model: lines the detector ran across a gutter, split there.

A layout model's regions (a column of text, a title, a picture) tell where columns stand even
when the detector joined a page's lines across its gutters. Where a box's line runs through
two regions that stand side by side at its height, each of them a column wide, the box is two
lines, one in each region: it is split at the gap between them, and the XY-cut then finds the
gutter the split boxes leave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from imagelens.engine.local.layout.box import Box


@dataclass(frozen=True, slots=True)
class Region:
    """A block a layout model found: its kind ("text", "title", "figure", ...) and its box in
    pixels of the analysed image."""

    kind: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True, slots=True, order=True)
class Gutter:
    """The gap between two side-by-side column regions: from ``at`` to ``end`` across, from
    ``top`` to ``bottom`` down (where both regions stand)."""

    at: float
    end: float
    top: float
    bottom: float


# A region is a column when it is this many text heights wide (a price or value column on a
# receipt or form is narrower) and this many high.
_COLUMN_WIDTH = 6.0
_COLUMN_HEIGHT = 1.5
# Side by side: the left one may run this far (of the narrower width) into the right one.
_OVERLAP = 0.1
# A gutter between column regions is at most this many text heights wide.
_GUTTER = 2.0
# Of a box split in two, each part is at least this many text heights long.
_PART = 1.5


def separate(
    boxes: list[Box],
    regions: list[Box],
    unit: float,
    split: Callable[[Box, float, float], tuple[Box, Box]],
) -> tuple[list[Box], list[Gutter]]:
    """The boxes with each one that runs from one column region into the one beside it split
    at the gap between them (by ``split``, which divides the text), and the gaps between
    side-by-side column regions (gutters for the XY-cut to try); ``regions`` are given as
    boxes in the same (upright) frame as ``boxes``."""
    columns = [
        r
        for r in regions
        if r.x1 - r.x0 >= _COLUMN_WIDTH * unit and r.y1 - r.y0 >= _COLUMN_HEIGHT * unit
    ]
    if len(columns) < 2:
        return boxes, []
    gutters = sorted(
        {
            Gutter(min(a.x1, b.x0), max(a.x1, b.x0), max(a.y0, b.y0) - unit, min(a.y1, b.y1) + unit)
            for a in columns
            if (b := _beside(a, columns))
        }
    )
    out: list[Box] = []
    todo = list(boxes)
    while todo:
        box = todo.pop()
        gap = _gap(box, columns, unit)
        if gap is None:
            out.append(box)
            continue
        todo.extend(split(box, *gap))
    return out, gutters


def _gap(box: Box, columns: list[Box], unit: float) -> tuple[float, float] | None:
    """The first gap between two side-by-side column regions that ``box`` runs across, as
    (where the left one ends, where the right one starts), ordered; None when it runs across
    none."""
    y = (box.y0 + box.y1) / 2
    if box.y1 - box.y0 > 2.0 * unit:
        return None  # taller than a line: a heading or a picture's box, not a joined line
    # A region's box may stop short of its first or last line by a little.
    here = [r for r in columns if r.y0 - unit <= y <= r.y1 + unit]
    for a in here:
        b = _beside(a, here)
        if b is not None:
            at, end = min(a.x1, b.x0), max(a.x1, b.x0)
            # A narrow gap (a gutter), the box starting in the left region and running well
            # into the right one (a line joined across two or three columns is split in turn).
            if (
                end - at <= _GUTTER * unit
                and a.x0 - unit <= box.x0 <= at - _PART * unit
                and box.x1 >= end + _PART * unit
            ):
                return at, end
    return None


def _beside(a: Box, columns: list[Box]) -> Box | None:
    """The column region that stands next to the right of ``a`` and beside it (their heights
    overlap), if any; not one past it."""
    beside = [
        b
        for b in columns
        if b.x0 > a.x0
        and b.x1 > a.x1
        and a.x1 - b.x0 <= _OVERLAP * min(a.x1 - a.x0, b.x1 - b.x0)
        and min(a.y1, b.y1) > max(a.y0, b.y0)
    ]
    return min(beside, key=lambda r: r.x0) if beside else None
