"""A scan's slight rotation, read from the boxes, and the boxes with it taken out.

A page scanned 0.5-1 degree off turns its gutters into slants that no vertical band fits
through (1 degree over 3,000 px drifts 50 px, more than a gutter), and swells each line's
upright box by its width times the angle, so neighbouring lines overlap. The angle is the one
that lines up the most box edges: the left (and, justified, right) edges of a column's lines
fall on one vertical line only when the page is turned back by it.
"""

from __future__ import annotations

import math

import numpy as np

from imagelens.engine.local.layout.box import Box

# Scans and flatbed photos of pages: within 3 degrees, in steps that drift under a pixel
# over 1,000 px.
_RANGE = math.radians(3.0)
_STEP = math.radians(0.05)
# Below this the boxes are left as they are (no gutter or line is moved by it).
_MIN_ANGLE = math.radians(0.15)
# A turn must line up this many times more edge pairs than the page as it is.
_GAIN = 1.3
_MIN_BOXES = 8


def skew(boxes: list[Box], unit: float) -> float:
    """The angle (radians) that turns the boxes' edges upright; 0 when none does clearly."""
    if len(boxes) < _MIN_BOXES:
        return 0.0
    edges = np.array([[b.x0 for b in boxes], [b.x1 for b in boxes]], dtype=np.float64)
    ys = np.array([(b.y0 + b.y1) / 2 for b in boxes], dtype=np.float64)
    width = max(unit / 6, 1.0)  # a sixth of a text height: finer smears the edges

    def aligned(angle: float) -> int:
        turned = edges * math.cos(angle) + ys * math.sin(angle)
        pairs = 0
        for shift in (0.0, width / 2):
            for row in np.floor((turned + shift) / width).astype(np.int64):
                counts = np.bincount(row - row.min())  # np.unique sorts: 3x slower here
                pairs += int(np.sum(counts * (counts - 1)))
        return pairs

    angles = np.arange(-_RANGE, _RANGE + _STEP / 2, _STEP)
    scores = [aligned(float(a)) for a in angles]
    best = int(np.argmax(scores))
    angle = float(angles[best])
    if abs(angle) < _MIN_ANGLE or scores[best] < _GAIN * max(aligned(0.0), 1):
        return 0.0
    return angle


def upright(box: Box, angle: float) -> Box:
    """The box turned by ``angle`` about the origin, its upright size undone from the swell
    (a line w wide turned by a has an upright box w*sin(a) taller)."""
    if angle == 0.0:
        return box
    c, s = math.cos(angle), math.sin(angle)
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    x, y = cx * c + cy * s, -cx * s + cy * c
    w, h = box.x1 - box.x0, box.y1 - box.y0
    a = abs(s)
    det = c * c - a * a
    w0 = max((w * c - h * a) / det, 0.5 * w)
    h0 = max((h * c - w * a) / det, 0.4 * h)
    return Box(box.text, box.confidence, x - w0 / 2, y - h0 / 2, x + w0 / 2, y + h0 / 2)
