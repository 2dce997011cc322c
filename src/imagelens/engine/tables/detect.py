"""Where the tables are: clusters of rules that box text in, and runs of lines whose text
stands in the same three or more columns (a borderless table)."""

from __future__ import annotations

from collections.abc import Sequence

from imagelens.engine.tables.cells import Box, gutters
from imagelens.engine.tables.pieces import Piece, lines_of, phrases
from imagelens.engine.tables.rules import Rule, Rules


def ruled_regions(rules: Rules, unit: float) -> list[Box]:
    """Boxes of the rule clusters that could frame a table: at least two horizontal rules
    (one above, one below) joined by vertical rules or stacked with the same extent."""
    hs, vs = rules.horizontal, rules.vertical
    every = [*hs, *vs]
    parent = list(range(len(every)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tol = max(4.0, 0.5 * unit)
    for i, h in enumerate(hs):
        for j, v in enumerate(vs, start=len(hs)):
            x = v.across(h.across(v.at))
            if h.covers(x, tol) and v.covers(h.across(x), tol):
                parent[find(j)] = find(i)
        for k in range(i + 1, len(hs)):
            other = hs[k]
            overlap = min(h.end, other.end) - max(h.start, other.start)
            shorter = min(h.end - h.start, other.end - other.start)
            longer = max(h.end - h.start, other.end - other.start)
            gap = abs(other.at - h.at)
            if overlap >= 0.8 * shorter and shorter >= 0.6 * longer and gap <= 8 * unit:
                parent[find(k)] = find(i)
    clusters: dict[int, list[int]] = {}
    for i in range(len(every)):
        clusters.setdefault(find(i), []).append(i)
    boxes = []
    for members in clusters.values():
        across = [hs[i] for i in members if i < len(hs)]
        down = [vs[i - len(hs)] for i in members if i >= len(hs)]
        if len(across) < 2:
            continue
        x0 = min([r.start for r in across] + [r.at for r in down])
        x1 = max([r.end for r in across] + [r.at for r in down])
        y0 = min([r.across(r.start) for r in across] + [r.across(r.end) for r in across])
        y1 = max([r.across(r.start) for r in across] + [r.across(r.end) for r in across])
        y0, y1 = min([y0, *(r.start for r in down)]), max([y1, *(r.end for r in down)])
        boxes.append(Box(x0, y0, x1, y1))
    return boxes


def aligned_regions(pieces: Sequence[Piece], unit: float, gap: float) -> list[Box]:
    """Borderless tables: runs of at least three lines (the first with three phrases or
    more, the lines close together) whose phrases keep three columns or more apart."""
    lines = lines_of(pieces)
    found: list[Box] = []
    i = 0
    while i < len(lines):
        if len(phrases(lines[i], gap)) < 3:
            i += 1
            continue
        run = [lines[i]]
        columns = _columns(run, gap)
        j = i + 1
        spaces: list[float] = []
        while j < len(lines) and len(phrases(lines[j], gap)) >= 2:
            space = min(p.y0 for p in lines[j]) - max(p.y1 for p in run[-1])
            if space > 2.5 * unit:
                break
            # A table's rows keep their pitch: a line set further apart than its rows (a
            # footer sentence under a borderless table) starts something else.
            if len(spaces) >= 2 and space > 1.6 * sorted(spaces)[len(spaces) // 2] + 0.3 * unit:
                break
            spaces.append(max(space, 0.0))
            wider = _columns([*run, lines[j]], gap)
            if wider < columns:
                break
            run.append(lines[j])
            columns = wider
            j += 1
        if len(run) >= 3 and columns >= 3 and _short_cells(run, gap):
            every = [p for line in run for p in line]
            pad = 0.3 * unit
            found.append(
                Box(
                    min(p.x0 for p in every) - pad,
                    min(p.y0 for p in every) - pad,
                    max(p.x1 for p in every) + pad,
                    max(p.y1 for p in every) + pad,
                )
            )
            i = j
        else:
            i += 1
    return found


def _columns(lines: Sequence[Sequence[Piece]], gap: float) -> int:
    return len(gutters(lines, gap, 0.0, 0.0)) + 1


def _short_cells(lines: Sequence[Sequence[Piece]], gap: float) -> bool:
    """Table cells are short; the lines of a page set in columns are not."""
    lengths = sorted(len(p.text) for line in lines for p in phrases(line, gap))
    return lengths[len(lengths) // 2] <= 24


def overlaps(a: Box, b: Box) -> bool:
    return min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)


def inside(rule: Rule, box: Box, *, vertical: bool, tol: float) -> bool:
    """Whether a rule lies within ``box`` (give or take ``tol``)."""
    if vertical:
        return box.x0 - tol <= rule.at <= box.x1 + tol and rule.start < box.y1 and rule.end > box.y0
    return box.y0 - tol <= rule.at <= box.y1 + tol and rule.start < box.x1 and rule.end > box.x0
