"""Blocks and columns: a recursive XY-cut over the boxes, made for scanned pages.

Real scans differ from rendered pages in three ways this handles: the page is turned a little
(``skew`` takes it out first), the gutter between columns is only a little wider than a word
gap, and the detector's boxes, padded around the ink, nearly touch across it and sometimes
join a line of one column to the line beside it. So a gutter is a band down the region that
few boxes cover (counted on the boxes' cores, the detector's padding taken off), and the few
lines that run across it, sitting among the columns' lines, are split at it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from imagelens.engine.local.layout.box import Box, reading_order
from imagelens.engine.local.layout.regions import Gutter, Region, separate
from imagelens.engine.local.layout.skew import skew, upright
from imagelens.engine.local.layout.vertical import column_order, in_columns, is_column

# Written here: layout analysis over a few dozen boxes is a handful of sorts. A layout model's
# blocks (ocr/blocks.py, a second model pass) are taken as evidence on pages only, where the
# detector's boxes can hide the gutters.


def blocks(boxes: list[Box], regions: Sequence[Region] = ()) -> list[list[list[Box]]]:
    """The boxes as blocks of lines in reading order (recursive XY-cut over the boxes).

    A region is cut where its boxes leave an empty band: across it (between a heading and
    the text below it, between paragraphs that span the page) or down it (between columns).
    Of the possible cuts the widest gap wins, measured in text heights. A cut down a region is
    taken when both sides are columns of text at least a quarter of the region wide, or to
    cut off a sidebar; a receipt's price column or a form's values stay on their item's line.
    A box the detector ran across a gutter comes back as two boxes, one in each column.

    Text set in columns (most boxes tall, in Han or kana) is read column by column,
    right to left; the rest after it.

    ``regions``, a layout model's blocks on the page, are column evidence: a box that runs
    from one column region into the one beside it is split at the gap between them first
    (the detector, working at a fifth of a blurred page's size, can join nearly every line
    across a narrow gutter, leaving the XY-cut no gutter to find).
    """
    if not boxes:
        return []
    if in_columns(boxes):  # Japanese or Chinese set in columns: read right to left
        columns = [b for b in boxes if is_column(b)]
        rest = [b for b in boxes if not is_column(b)]
        return [column_order(columns), *blocks(rest, regions)]
    angle = skew(boxes, _median_height(boxes))
    flat = [upright(b, angle) for b in boxes]
    page = _Page(source={id(f): b for f, b in zip(flat, boxes, strict=True)})
    unit = _median_height(flat) or 1.0
    if regions:
        turned = [upright(Box(r.kind, 1.0, r.x0, r.y0, r.x1, r.y1), angle) for r in regions]
        flat, page.known = separate(flat, turned, unit, page.split)
        page.regions = turned
    return [
        [[page.source[id(b)] for b in line] for line in reading_order(block)]
        for block in page.cut(flat, unit)
    ]


def _median_height(boxes: list[Box]) -> float:
    return sorted(b.y1 - b.y0 for b in boxes)[len(boxes) // 2]


# A gap between columns is at least this many text heights wide (on the boxes' cores);
# between blocks, this high.
_GUTTER = 0.25
_PARAGRAPH_GAP = 1.2
_LINE_GAP = 0.3
# The detector pads each box around its text by about a third of the box's height
# (DBNet's unclip); this much of it is taken off each end when looking for gutters.
_PAD = 0.25
# At most one box in this many may run across a gutter, and a quarter of a column's lines.
_CROSSING = 10


@dataclass(frozen=True, slots=True)
class _Gutter:
    width: float
    at: float  # where the band starts
    end: float
    left: list[Box]
    right: list[Box]
    crossing: list[Box]


@dataclass
class _Page:
    """The boxes being cut; ``source`` maps each upright box to the box the caller gave (or
    to the part of it when a box is split at a gutter)."""

    source: dict[int, Box]
    # Gutters a layout model's regions show (start, end), tried beside those the boxes show.
    known: list[Gutter] = field(default_factory=list)
    # The layout model's regions, upright: a line inside one that spans a gutter (a caption,
    # a deck) is not a line the detector joined across it.
    regions: list[Box] = field(default_factory=list)

    def cut(self, boxes: list[Box], unit: float) -> list[list[Box]]:
        if len(boxes) < 2:
            return [boxes]
        across = _widest_gap(boxes, vertical=False)
        for gutter in _gutters(boxes, unit, self.known):
            # Narrow gutters lose only to a gap that separates blocks (a heading, a caption),
            # not to the gap of a line that happens to end a paragraph in every column.
            if across is not None and across[0] > max(gutter.width, _PARAGRAPH_GAP * unit):
                break
            if any(self.spans(box, gutter) for box in gutter.crossing):
                continue
            if _columns(gutter.left, gutter.right, unit, whole=boxes):
                left, right = list(gutter.left), list(gutter.right)
                for box in gutter.crossing:
                    a, b = self.split(box, gutter.at, gutter.end)
                    left.append(a)
                    right.append(b)
                return self.cut(left, unit) + self.cut(right, unit)
        if across is not None and across[0] >= _LINE_GAP * unit:
            top = [b for b in boxes if b.y1 <= across[1]]
            bottom = [b for b in boxes if b.y1 > across[1]]
            parts = self.cut(top, unit) + self.cut(bottom, unit)
            # A wide gap separates blocks; a line's gap only when it frees columns below it
            # (a menu bar over a sidebar and a window), else the lines stay one block.
            if across[0] >= _PARAGRAPH_GAP * unit or len(parts) > 2:
                return parts
        return [boxes]

    def spans(self, box: Box, gutter: _Gutter) -> bool:
        """Whether ``box`` sits in a region that runs across ``gutter``."""
        x, y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
        return any(
            r.x0 < gutter.at and gutter.end < r.x1 and r.x0 <= x <= r.x1 and r.y0 <= y <= r.y1
            for r in self.regions
        )

    def split(self, box: Box, at: float, end: float) -> tuple[Box, Box]:
        """A box run across the gutter [at, end] as its two lines; the text is divided where
        the gutter falls in it (by glyph widths, at the nearest space)."""
        left_w, right_w = max(at - box.x0, 1.0), max(box.x1 - end, 1.0)
        cut = _text_cut(box.text, left_w / (left_w + right_w))
        head, tail = box.text[:cut].rstrip(), box.text[cut:].lstrip()
        source = self.source[id(box)]
        span = max(box.x1 - box.x0, 1.0)
        fa, fb = (at - box.x0) / span, (end - box.x0) / span
        sx = source.x1 - source.x0
        parts = []
        for text, (x0, x1), (s0, s1) in (
            (head, (box.x0, at), (source.x0, source.x0 + fa * sx)),
            (tail, (end, box.x1), (source.x0 + fb * sx, source.x1)),
        ):
            flat = Box(text, box.confidence, x0, box.y0, x1, box.y1)
            self.source[id(flat)] = Box(text, source.confidence, s0, source.y0, s1, source.y1)
            parts.append(flat)
        return parts[0], parts[1]


_NARROW = frozenset("il.,:;'!|ftjrI()-\"")
_WIDE = frozenset("mwMW")


def _text_cut(text: str, fraction: float) -> int:
    """Where in ``text`` a ``fraction`` of its printed width falls, moved to the nearest
    space within a short word's reach (the gutter falls between words)."""
    widths = [0.3 if ch in _NARROW else 0.9 if ch in _WIDE else 0.45 if ch == " " else 0.6
              for ch in text]  # fmt: skip
    total = sum(widths) or 1.0
    run, guess = 0.0, len(text)
    for i, w in enumerate(widths):
        if run + w / 2 >= fraction * total:
            guess = i
            break
        run += w
    reach = max(3, len(text) // 8)
    spaces = [i for i, ch in enumerate(text) if ch == " " and abs(i - guess) <= reach]
    return min(spaces, key=lambda i: abs(i - guess)) if spaces else guess


def _gutters(boxes: list[Box], unit: float, known: Sequence[Gutter] = ()) -> list[_Gutter]:
    """Gutters down the region: those a layout model's regions show (``known``) first, then,
    widest first, bands few boxes cover and lines along which several lines end and several
    others start (a narrow gutter the detector ran most lines across), each with the boxes on
    either side and those that run across it."""
    found = []
    lo, hi = min(b.x0 for b in boxes), max(b.x1 for b in boxes)
    shown = sorted(_bands(boxes, unit) + _edges(boxes, unit), key=lambda r: r[0] - r[1])
    # A region gutter counts where all the boxes it runs through stand beside it (a caption
    # or a heading over the columns is cut off across first).
    regional = [
        (g.at, g.end)
        for g in known
        if lo < g.at
        and g.end < hi
        and all(
            g.top <= b.y0 and b.y1 <= g.bottom for b in boxes if b.x0 < (g.at + g.end) / 2 < b.x1
        )
    ]
    for at, end in regional + shown:
        mid = (at + end) / 2
        reach = max(end - at, 0.0) / 2 + unit
        crossing = [b for b in boxes if b.x0 < mid - reach and b.x1 > mid + reach]
        rest = [b for b in boxes if not (b.x0 < mid - reach and b.x1 > mid + reach)]
        left = [b for b in rest if (b.x0 + b.x1) / 2 < mid]
        right = [b for b in rest if (b.x0 + b.x1) / 2 >= mid]
        if not left or not right or (crossing and not _among(crossing, left, right)):
            continue
        found.append(_Gutter(end - at, at, end, left, right, crossing))
    return found


def _bands(boxes: list[Box], unit: float) -> list[tuple[float, float]]:
    """Bands down the region that at most one box in ``_CROSSING`` covers (on the cores)."""
    lo = math.floor(min(b.x0 for b in boxes))
    hi = math.ceil(max(b.x1 for b in boxes))
    cover = np.zeros(hi - lo + 2, dtype=np.int32)
    for b in boxes:
        pad = min(_PAD * (b.y1 - b.y0), (b.x1 - b.x0) / 4)
        cover[round(b.x0 + pad) - lo : round(b.x1 - pad) - lo] += 1
    low = np.concatenate(([False], cover <= len(boxes) // _CROSSING, [False]))
    edges = np.flatnonzero(np.diff(low.astype(np.int8)))
    return [
        (float(s + lo), float(e + lo))
        for s, e in zip(edges[::2], edges[1::2], strict=True)
        if s > 0 and e < len(cover) - 1 and e - s >= _GUTTER * unit
    ]


# Lines ending and lines starting at one place, this many of each, make a gutter.
_EDGE_LINES = 3


def _edges(boxes: list[Box], unit: float) -> list[tuple[float, float]]:
    """Gutters seen from line ends: where at least ``_EDGE_LINES`` long lines end and as many
    start within a text height of each other, inside the region, some of them side by side
    on one row (a centred heading over left-aligned items is not a column). The band runs
    from where the left column's lines end to where the right column's start, less padding."""
    lo, hi = min(b.x0 for b in boxes), max(b.x1 for b in boxes)
    long = [b for b in boxes if b.x1 - b.x0 >= 3 * unit]
    ends = [b for b in long if b.x1 < hi - 3 * unit]
    starts = [b for b in long if b.x0 > lo + 3 * unit]
    found: list[tuple[float, float]] = []
    for x in sorted(b.x1 for b in ends):
        near_ends = [b for b in ends if abs(b.x1 - x) <= unit / 2]
        near_starts = [b for b in starts if abs(b.x0 - x) <= unit]
        if len(near_ends) < _EDGE_LINES or len(near_starts) < _EDGE_LINES:
            continue
        beside = sum(any(_vgap(e, b) < -unit / 2 for e in near_ends) for b in near_starts)
        if beside < _EDGE_LINES - 1:
            continue
        at = float(np.median([b.x1 for b in near_ends])) - _PAD * unit
        end = float(np.median([b.x0 for b in near_starts])) + _PAD * unit
        if end > at and not any(abs(at - a) < unit for a, _ in found):
            found.append((at, end))
    return found


def _among(crossing: list[Box], left: list[Box], right: list[Box]) -> bool:
    """Whether the boxes across a gutter are lines the detector joined inside the columns, not
    a heading or caption spanning them (which the region is cut across instead). A joined line
    is line-high and either starts where lines of the left column start and ends where lines
    of the right column end, or has lines at line pitch above and below it; a caption under a
    picture has neither."""
    unit = _median_height(left + right)
    lines = left + right + crossing
    for box in crossing:
        if box.y1 - box.y0 > 1.6 * unit:
            return False
        starts = sum(abs(o.x0 - box.x0) <= unit for o in left)
        ends = sum(abs(o.x1 - box.x1) <= unit for o in right)
        if min(starts, ends) >= _EDGE_LINES:
            continue
        near = [o for o in lines if o is not box and _vgap(o, box) < unit / 2]
        y = (box.y0 + box.y1) / 2
        if not any(o.y1 < y for o in near) or not any(o.y0 > y for o in near):
            return False
    return True


def _vgap(a: Box, b: Box) -> float:
    return max(a.y0 - b.y1, b.y0 - a.y1)


def _widest_gap(boxes: list[Box], *, vertical: bool) -> tuple[float, float] | None:
    """The widest empty band down (``vertical``) or across the boxes: (width, where it
    starts), or None when the boxes' extents overlap all the way."""
    spans = sorted((b.x0, b.x1) if vertical else (b.y0, b.y1) for b in boxes)
    best: tuple[float, float] | None = None
    reach = spans[0][1]
    for start, end in spans[1:]:
        if start > reach and (best is None or start - reach > best[0]):
            best = (start - reach, reach)
        reach = max(reach, end)
    return best


# The widest empty gap between columns, in text heights, before a cut is a column cut
# without more evidence (rendered pages, screens).
_WIDE_GUTTER = 1.0


# A column of text: its median line is at least this many text heights long (some 25
# characters; a label or a value is shorter).
_FILL = 6.0


def _fill(boxes: list[Box]) -> float:
    return sorted(b.x1 - b.x0 for b in boxes)[len(boxes) // 2]


def _columns(left: list[Box], right: list[Box], unit: float, *, whole: list[Box]) -> bool:
    """Whether ``left`` and ``right`` are two columns of text."""
    if any(len(reading_order(side)) < 2 for side in (left, right)):
        return False
    x0, x1 = min(b.x0 for b in whole), max(b.x1 for b in whole)
    widths = [max(b.x1 for b in side) - min(b.x0 for b in side) for side in (left, right)]
    if min(widths) >= 0.25 * (x1 - x0):
        gap = min(b.x0 for b in right) - max(b.x1 for b in left)
        # A wide empty gutter is a column cut with two lines a side. A narrow one (padded
        # boxes may even overlap across it) when the columns are several lines deep and their
        # lines fill them, as text does; a form's labels and values do not.
        if gap >= _WIDE_GUTTER * unit:
            return True
        return all(len(side) >= 3 and _fill(side) >= _FILL * unit for side in (left, right))
    # A narrow column on the left is a sidebar or a list of names: its own block. On the
    # right it is a receipt's prices or a form's values, each on its item's line, unless its
    # lines are words that do not sit on the other side's lines (a sidebar on the right).
    if widths[0] < widths[1]:
        return len(reading_order(left)) >= 3
    aligned = sum(any(o.y0 <= (b.y0 + b.y1) / 2 <= o.y1 for o in left) for b in right)
    numeric = sum(sum(ch.isdigit() for ch in b.text) * 2 >= len(b.text) for b in right)
    return aligned < 0.5 * len(right) and numeric < 0.5 * len(right)
