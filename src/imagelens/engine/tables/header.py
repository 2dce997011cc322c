"""Which of a table's first rows are its column headings."""

from __future__ import annotations

import numpy as np

from imagelens.engine.tables.cells import Box, Grid
from imagelens.engine.tables.pieces import numeric

# A heading row's fill differs from every body row's by this much (grey levels, 0-255); its
# ink per character (bold) exceeds the body rows' median by this factor.
_FILL_STEP = 20
_BOLD = 1.3


def header_rows(grid: Grid, grey: np.ndarray, unit: float) -> int:
    """1 where the first row reads as headings, else 0: it holds words, no numbers, and
    stands out by a rule under it (the body unruled), its fill, bold type, or numbers in
    the columns below it."""
    first = [c for c in grid.cells if c.row == 0 and c.text]
    if not first or any(numeric(c.text) for c in first):
        return 0
    if grid.rule_under_first:
        return 1
    fills = [_fill(grey, box) for box in grid.row_boxes]
    if len(fills) >= 2 and all(abs(fills[0] - f) > _FILL_STEP for f in fills[1:]):
        return 1
    inks = [_ink(grey, box, grid, row, unit) for row, box in enumerate(grid.row_boxes)]
    body = sorted(i for i in inks[1:] if i > 0)
    if body and inks[0] > _BOLD * body[len(body) // 2]:
        return 1
    for col in range(grid.cols):
        below = [c.text for c in grid.cells if c.col == col and c.row > 0 and c.text]
        if len(below) >= 2 and sum(numeric(t) for t in below) >= 0.6 * len(below):
            return 1
    return 0


def _pixels(grey: np.ndarray, box: Box) -> np.ndarray:
    height, width = grey.shape
    x0, x1 = max(0, int(box.x0)), min(width, int(box.x1))
    y0, y1 = max(0, int(box.y0)), min(height, int(box.y1))
    return grey[y0:y1, x0:x1]


def _fill(grey: np.ndarray, box: Box) -> float:
    pixels = _pixels(grey, box)
    return float(np.median(pixels)) if pixels.size else 255.0


def _ink(grey: np.ndarray, box: Box, grid: Grid, row: int, unit: float) -> float:
    """Dark pixels per character of the row, in text heights squared (bold has more)."""
    chars = sum(len(c.text.replace(" ", "")) for c in grid.cells if c.row == row)
    pixels = _pixels(grey, box)
    if not chars or not pixels.size:
        return 0.0
    dark = np.count_nonzero(pixels < float(np.median(pixels)) - 80)
    return dark / chars / (unit * unit)
