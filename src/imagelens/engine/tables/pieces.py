"""Text pieces in pixels, and the lines they sit on: what the table reader works with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from imagelens.types import TextRegion


@dataclass(frozen=True, slots=True)
class Piece:
    """One text box (an OCR box or a text-layer run) in pixels of the page or image."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def pieces_of(regions: Sequence[TextRegion], width: int, height: int) -> list[Piece]:
    """``regions`` (normalised boxes) as pixel pieces, empty texts left out."""
    return [
        Piece(
            r.text.strip(),
            r.bbox.x * width,
            r.bbox.y * height,
            (r.bbox.x + r.bbox.width) * width,
            (r.bbox.y + r.bbox.height) * height,
        )
        for r in regions
        if r.text.strip()
    ]


def text_height(pieces: Sequence[Piece]) -> float:
    """The median box height: the unit every distance is measured in."""
    heights = sorted(p.height for p in pieces)
    return max(heights[len(heights) // 2], 4.0) if heights else 12.0


def word_gap(pieces: Sequence[Piece]) -> float:
    """The widest gap between two words of one cell: 1.2 character widths. Measured on the
    characters, not the box height (OCR boxes are padded to about twice the glyphs' height,
    and two close columns can be nearer than that)."""
    widths = sorted((p.x1 - p.x0) / len(p.text) for p in pieces if len(p.text) >= 5)
    if not widths:
        return 0.6 * text_height(pieces)
    return 1.2 * widths[len(widths) // 2]


def lines_of(pieces: Sequence[Piece]) -> list[list[Piece]]:
    """Pieces grouped into lines, top to bottom, each left to right. A piece joins the line
    whose rightmost piece it overlaps most vertically: chained like this, a line a degree
    off level still holds together across a wide table."""
    lines: list[list[Piece]] = []
    for piece in sorted(pieces, key=lambda p: p.x0):
        best, best_overlap = None, 0.0
        for line in lines:
            last = line[-1]
            if last.x1 > piece.x0 + 0.5 * piece.height:  # overlaps in x: not its neighbour
                continue
            overlap = min(last.y1, piece.y1) - max(last.y0, piece.y0)
            if overlap > 0.5 * min(last.height, piece.height) and overlap > best_overlap:
                best, best_overlap = line, overlap
        if best is None:
            lines.append([piece])
        else:
            best.append(piece)
    lines.sort(key=lambda line: sum(p.cy for p in line) / len(line))
    return lines


def phrases(line: Sequence[Piece], gap: float) -> list[Piece]:
    """A line's pieces with those closer than ``gap`` joined (words of one cell)."""
    out: list[Piece] = []
    for piece in line:
        if out and piece.x0 - out[-1].x1 < gap:
            last = out[-1]
            out[-1] = Piece(
                f"{last.text} {piece.text}",
                last.x0,
                min(last.y0, piece.y0),
                max(last.x1, piece.x1),
                max(last.y1, piece.y1),
            )
        else:
            out.append(piece)
    return out


def numeric(text: str) -> bool:
    """Whether a cell's text is a number, an amount or a date (digits carry it)."""
    digits = sum(ch.isdigit() for ch in text)
    return digits > 0 and digits * 2 >= sum(ch.isalnum() for ch in text)
