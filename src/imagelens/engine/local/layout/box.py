"""A recognised text box, and the grouping of boxes into lines."""

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
    # The detector's quadrilateral (top-left, top-right, bottom-right, bottom-left) when the
    # box came from one: a turned line's box is taller than its text, the quad is not.
    quad: tuple[tuple[float, float], ...] | None = None


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
