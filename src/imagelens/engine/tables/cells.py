"""From a table's region, its text pieces and its rules to a grid of cells with spans.

Columns are split at the vertical rules, or where the rows' text leaves a gutter all the way
down; rows at the horizontal rules, or at each line of text where the rules (if any) hold
more than one row between them. A cell covers more than one column where no rule (or
gutter) divides it, more than one row where a rule is missing below it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from imagelens.engine.tables.pieces import Piece, lines_of, phrases
from imagelens.engine.tables.rules import Rule


@dataclass(frozen=True, slots=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def holds(self, piece: Piece) -> bool:
        return self.x0 <= piece.cx <= self.x1 and self.y0 <= piece.cy <= self.y1


@dataclass(frozen=True, slots=True)
class GridCell:
    row: int
    col: int
    row_span: int
    col_span: int
    text: str
    box: Box


@dataclass(frozen=True, slots=True)
class Grid:
    rows: int
    cols: int
    cells: list[GridCell]  # row by row, left to right; a spanning cell once
    row_boxes: list[Box]  # each row across the table (for fills and ink)
    rule_under_first: bool  # a horizontal rule divides the first row from the rest


def build_grid(
    region: Box,
    pieces: Sequence[Piece],
    horizontal: Sequence[Rule],
    vertical: Sequence[Rule],
    unit: float,
    gap: float,
) -> Grid | None:
    """The grid of a table at ``region``; None when it is not at least 2 by 2. ``unit`` is
    the text height, ``gap`` the widest gap between words of one cell (pixels)."""
    tol = max(3.0, 0.4 * unit)
    mid_x, mid_y = (region.x0 + region.x1) / 2, (region.y0 + region.y1) / 2
    cols = _interior(vertical, region.x0, region.x1, mid_y, tol)
    ruled_cols = bool(cols)
    if ruled_cols:
        pieces = [part for p in pieces for part in _split(p, cols, gap)]
    else:
        cols = gutters(lines_of(pieces), gap, region.y0, region.y1)
    if not cols:
        return None
    seps = _interior(horizontal, region.y0, region.y1, mid_x, tol)
    rows: list[list[Piece]] = []
    row_boxes: list[Box] = []
    from_rules: list[bool] = []  # whether the rule below a row is drawn (spans may cross it)
    rule_under_first = False
    edges = [region.y0, *(s.across(mid_x) for s in seps), region.y1]
    for band in range(len(edges) - 1):
        inside = [p for p in pieces if _row_of(p, seps) == band]
        lines = lines_of(inside)
        several = sum(_reach(line, cols, gap) >= 2 for line in lines) >= 2
        if not several:
            if inside or edges[band + 1] - edges[band] >= 0.8 * unit:
                if not rows:  # the first row is a band of its own, ruled off below
                    rule_under_first = band < len(edges) - 2
                rows.append(inside)
                row_boxes.append(Box(region.x0, edges[band], region.x1, edges[band + 1]))
                from_rules.append(True)
            continue
        bounds = [edges[band]]
        bounds += [(max(p.y1 for p in a) + min(p.y0 for p in b)) / 2 for a, b in pairwise(lines)]
        bounds.append(edges[band + 1])
        for index, line in enumerate(lines):
            rows.append(line)
            row_boxes.append(Box(region.x0, bounds[index], region.x1, bounds[index + 1]))
            from_rules.append(index == len(lines) - 1)
    if len(rows) < 2:
        return None
    n_cols = len(cols) + 1
    parent = list(range(len(rows) * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        parent[find(b)] = find(a)

    for r, (line, box) in enumerate(zip(rows, row_boxes, strict=True)):
        cy = (box.y0 + box.y1) / 2
        for c, sep in enumerate(cols):
            x = sep.across(cy)
            drawn = sep.covers(cy, tol) if ruled_cols else True
            crossed = any(p.x0 < x - 0.5 * gap and p.x1 > x + 0.5 * gap for p in line)
            if not drawn or crossed:
                join(r * n_cols + c, r * n_cols + c + 1)
    if seps:  # a drawn row rule missing under a column: that cell runs on down
        for r in range(len(rows) - 1):
            if not from_rules[r]:
                continue
            below = row_boxes[r].y1
            rule = min(seps, key=lambda s: abs(s.across(mid_x) - below))
            if abs(rule.across(mid_x) - below) > tol:
                continue
            for c in range(n_cols):
                x = _col_mid(cols, c, region, below)
                if not rule.covers(x, tol) and rows[r + 1] and rows[r]:
                    join(r * n_cols + c, (r + 1) * n_cols + c)
    # A rule under the first row counts as a header's where the rows below it are not ruled.
    rule_under_first = rule_under_first and not all(from_rules)
    return _cells(rows, row_boxes, cols, region, n_cols, find, rule_under_first)


def _cells(
    rows: list[list[Piece]],
    row_boxes: list[Box],
    cols: list[Rule],
    region: Box,
    n_cols: int,
    find: Callable[[int], int],
    rule_under_first: bool,
) -> Grid:
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(len(rows)):
        for c in range(n_cols):
            groups.setdefault(find(r * n_cols + c), []).append((r, c))
    texts: dict[int, list[tuple[int, Piece]]] = {}
    for r, line in enumerate(rows):
        cy = (row_boxes[r].y0 + row_boxes[r].y1) / 2
        for piece in line:
            c = sum(sep.across(cy) < piece.cx for sep in cols)
            texts.setdefault(find(r * n_cols + c), []).append((r, piece))
    cells = []
    for root, members in groups.items():
        r0, r1 = min(m[0] for m in members), max(m[0] for m in members)
        c0, c1 = min(m[1] for m in members), max(m[1] for m in members)
        if (r1 - r0 + 1) * (c1 - c0 + 1) != len(members):
            r1, c1 = r0, c0  # not a rectangle: keep its first grid cell
        found = sorted(texts.get(root, []), key=lambda t: (t[0], round(t[1].cy / 4), t[1].x0))
        cy = (row_boxes[r0].y0 + row_boxes[r1].y1) / 2
        left = cols[c0 - 1].across(cy) if c0 else region.x0
        right = cols[c1].across(cy) if c1 < len(cols) else region.x1
        box = Box(left, row_boxes[r0].y0, right, row_boxes[r1].y1)
        text = " ".join(p.text for _r, p in found)
        cells.append(GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, text, box))
    cells.sort(key=lambda cell: (cell.row, cell.col))
    return Grid(len(rows), n_cols, cells, row_boxes, rule_under_first)


def gutters(lines: Sequence[Sequence[Piece]], gap: float, top: float, bottom: float) -> list[Rule]:
    """Column separators where every line of more than one phrase leaves a gap (wider than
    ``gap``) at the same place: the middle of each such gap, left to right."""
    spans = sorted((p.x0, p.x1) for line in lines if len(ps := phrases(line, gap)) >= 2 for p in ps)
    if not spans:
        return []
    out: list[Rule] = []
    reach = spans[0][1]
    for start, end in spans[1:]:
        if start - reach >= gap:
            out.append(Rule(top, bottom, (start + reach) / 2, 0.0))
        reach = max(reach, end)
    return out


def _interior(
    rules: Sequence[Rule], low: float, high: float, where: float, tol: float
) -> list[Rule]:
    """The rules strictly inside (low, high) at ``where``, doubled rules counted once."""
    out: list[Rule] = []
    for rule in sorted(rules, key=lambda r: r.across(where)):
        at = rule.across(where)
        if low + tol < at < high - tol and not (out and at - out[-1].across(where) < tol):
            out.append(rule)
    return out


def _split(piece: Piece, cols: Sequence[Rule], gap: float) -> list[Piece]:
    """An OCR box that runs across a drawn column rule, cut there (at the nearest space)."""
    for sep in cols:
        x = sep.across(piece.cy)
        if piece.x0 < x - gap and piece.x1 > x + gap and len(piece.text) > 1:
            share = (x - piece.x0) / (piece.x1 - piece.x0)
            cut = round(share * len(piece.text))
            spaces = [i for i, ch in enumerate(piece.text) if ch == " " and abs(i - cut) <= 3]
            cut = min(spaces, key=lambda i: abs(i - cut)) if spaces else cut
            left, right = piece.text[:cut].strip(), piece.text[cut:].strip()
            parts = [Piece(left, piece.x0, piece.y0, x, piece.y1)] if left else []
            if right:
                parts += _split(Piece(right, x, piece.y0, piece.x1, piece.y1), cols, gap)
            return parts
    return [piece]


def _row_of(piece: Piece, seps: Sequence[Rule]) -> int:
    return sum(s.across(piece.cx) < piece.cy for s in seps)


def _reach(line: Sequence[Piece], cols: Sequence[Rule], gap: float) -> int:
    """How many columns a line has text in."""
    return len({sum(s.across(p.cy) < p.cx for s in cols) for p in phrases(line, gap)})


def _col_mid(cols: Sequence[Rule], c: int, region: Box, y: float) -> float:
    left = cols[c - 1].across(y) if c else region.x0
    right = cols[c].across(y) if c < len(cols) else region.x1
    return (left + right) / 2
