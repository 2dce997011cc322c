"""Reading order: which text boxes form a line, and in what order the lines are read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Box:
    """One recognised text box, in pixels of the analysed image."""

    text: str
    confidence: float
    x0: float
    y0: float
    x1: float
    y1: float


def reading_order(boxes: list[Box]) -> list[list[Box]]:
    """Group boxes into lines (by vertical overlap), top to bottom, each left to right."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        centre = (box.y0 + box.y1) / 2
        for line in lines:
            ref = line[0]
            if ref.y0 <= centre <= ref.y1 and box.y0 <= (ref.y0 + ref.y1) / 2 <= box.y1:
                line.append(box)
                break
        else:
            lines.append([box])
    for line in lines:
        line.sort(key=lambda b: b.x0)
    lines.sort(key=lambda line: min(b.y0 for b in line))
    return lines


# Written here: layout analysis over a few dozen boxes is a handful of sorts, and the layout
# models that do it on pixels cost a second model pass (~110 ms a page) for the same blocks.


def blocks(boxes: list[Box]) -> list[list[list[Box]]]:
    """The boxes as blocks of lines in reading order (recursive XY-cut over the boxes).

    A region is cut where its boxes leave an empty band: across it (between a heading and
    the text below it, between paragraphs that span the page) or down it (between columns).
    Of the possible cuts the widest gap wins, measured in text heights. A cut down a region is
    taken when both sides are columns of text at least a quarter of the region wide, or to
    cut off a sidebar; a receipt's price column or a form's values stay on their item's line.
    """
    if not boxes:
        return []
    unit = sorted(b.y1 - b.y0 for b in boxes)[len(boxes) // 2] or 1.0
    return [reading_order(block) for block in _cut(boxes, unit)]


def _cut(boxes: list[Box], unit: float) -> list[list[Box]]:
    if len(boxes) < 2:
        return [boxes]
    down = _widest_gap(boxes, vertical=True)
    across = _widest_gap(boxes, vertical=False)
    if (
        down is not None
        and (across is None or down[0] >= across[0])
        and _columns(boxes, down[1], unit)
    ):
        left = [b for b in boxes if b.x1 <= down[1]]
        right = [b for b in boxes if b.x1 > down[1]]
        return _cut(left, unit) + _cut(right, unit)
    if across is not None and across[0] >= _LINE_GAP * unit:
        top = [b for b in boxes if b.y1 <= across[1]]
        bottom = [b for b in boxes if b.y1 > across[1]]
        parts = _cut(top, unit) + _cut(bottom, unit)
        # A wide gap separates blocks; a line's gap only when it frees columns below it
        # (a menu bar over a sidebar and a window), else the lines stay one block.
        if across[0] >= _PARAGRAPH_GAP * unit or len(parts) > 2:
            return parts
    return [boxes]


# A gap between columns is at least this many text heights wide; between blocks, this high.
_GUTTER = 1.0
_PARAGRAPH_GAP = 1.2
_LINE_GAP = 0.3


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


def _columns(boxes: list[Box], at: float, unit: float) -> bool:
    """Whether cutting down the region at ``at`` leaves two columns of text."""
    left = [b for b in boxes if b.x1 <= at]
    right = [b for b in boxes if b.x1 > at]
    x0, x1 = min(b.x0 for b in boxes), max(b.x1 for b in boxes)
    gap = min(b.x0 for b in right) - max(b.x1 for b in left)
    if gap < _GUTTER * unit:
        return False
    widths = [max(b.x1 for b in side) - min(b.x0 for b in side) for side in (left, right)]
    if any(len(reading_order(side)) < 2 for side in (left, right)):
        return False
    if min(widths) >= 0.25 * (x1 - x0):
        return True
    # A narrow column on the left is a sidebar or a list of names: its own block. On the
    # right it is a receipt's prices or a form's values, each on its item's line, unless its
    # lines are words that do not sit on the other side's lines (a sidebar on the right).
    if widths[0] < widths[1]:
        return len(reading_order(left)) >= 3
    aligned = sum(any(o.y0 <= (b.y0 + b.y1) / 2 <= o.y1 for o in left) for b in right)
    numeric = sum(sum(ch.isdigit() for ch in b.text) * 2 >= len(b.text) for b in right)
    return aligned < 0.5 * len(right) and numeric < 0.5 * len(right)
