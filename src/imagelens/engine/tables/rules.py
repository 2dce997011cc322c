"""Ruling lines: the drawn rules of a table found on the pixels by morphological opening.

A page is binarised against its local mean (a light fill stays paper, a rule or the edge of
a dark fill turns to ink), then opened with a long thin kernel: only strokes longer than
several text heights survive, which letters never are. Each surviving component is fitted
with a line, so a scan turned by a degree still gives straight rules."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

# Text this tall (px) or taller: rules are searched for in squeezed ink (find_rules).
_SQUEEZE_FROM = 16


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule in pixels. ``start``/``end`` run along it (x for a horizontal rule, y for a
    vertical one); ``at`` is where it crosses at its middle and ``slope`` its drift per
    pixel along."""

    start: float
    end: float
    at: float
    slope: float

    def across(self, along: float) -> float:
        """Where the rule is across (y of a horizontal rule) at ``along`` (its x)."""
        return self.at + self.slope * (along - (self.start + self.end) / 2)

    def covers(self, along: float, tolerance: float) -> bool:
        return self.start - tolerance <= along <= self.end + tolerance


@dataclass(frozen=True, slots=True)
class Rules:
    horizontal: list[Rule]  # top to bottom
    vertical: list[Rule]  # left to right
    grey: np.ndarray  # the greyscale page, for fills and ink


def find_rules(image: Image.Image, unit: float) -> Rules:
    """The page's horizontal and vertical rules; ``unit`` is the text height in pixels."""
    grey = np.asarray(image.convert("L"))
    smooth = cv2.medianBlur(grey, 3)
    ink = cv2.adaptiveThreshold(
        smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 12
    )
    # Where text is tall enough, each direction is searched in the ink squeezed across it
    # (two rows, or two columns, into one: ink where either is): a rule keeps its length and
    # a hairline stays whole, letters do not run together along it (halving both ways did:
    # a bold heading became a rule), and opening and labelling cost half (75-85 ms of a 300
    # dpi scan's tables). Squeezing itself bridges a one-pixel step across a rule.
    squeeze = 2 if unit >= _SQUEEZE_FROM else 1
    long = max(40, int(4 * unit))
    tall = max(20, int(1.8 * unit))
    across = cv2.morphologyEx(
        _squeezed(ink, squeeze, axis=0), cv2.MORPH_OPEN, np.ones((1, long), np.uint8)
    )
    down = cv2.morphologyEx(
        _squeezed(ink, squeeze, axis=1), cv2.MORPH_OPEN, np.ones((tall, 1), np.uint8)
    )
    # Bridge the breaks noise and JPEG leave in a rule (a few pixels), also where a turned
    # rule steps to the next row (two rows squeezed: to the next pair) at the break.
    step = 3
    across = cv2.morphologyEx(across, cv2.MORPH_CLOSE, np.ones((step, 9), np.uint8))
    down = cv2.morphologyEx(down, cv2.MORPH_CLOSE, np.ones((9, step), np.uint8))
    horizontal = _fitted(across, vertical=False, min_length=long, unit=unit, squeeze=squeeze)
    vertical = _fitted(down, vertical=True, min_length=tall, unit=unit, squeeze=squeeze)
    return Rules(sorted(horizontal, key=lambda r: r.at), sorted(vertical, key=lambda r: r.at), grey)


def _squeezed(ink: np.ndarray, squeeze: int, *, axis: int) -> np.ndarray:
    """``ink`` with each pair of rows (``axis`` 0) or columns (1) joined into one; an odd
    last row or column is left out (a rule is never one pixel at the page's edge alone)."""
    if squeeze == 1:
        return ink
    n = ink.shape[axis] // 2 * 2
    first, second = (ink[0:n:2], ink[1:n:2]) if axis == 0 else (ink[:, 0:n:2], ink[:, 1:n:2])
    joined: np.ndarray = np.bitwise_or(first, second)
    return joined


def _fitted(
    mask: np.ndarray, *, vertical: bool, min_length: int, unit: float, squeeze: int
) -> list[Rule]:
    """The long thin components of ``mask`` fitted with lines, in the page's pixels: the
    mask is the page's along the rules, ``squeeze`` times smaller across them."""
    if not cv2.countNonZero(mask):  # most pages: labelling an empty A4 mask took 17 ms
        return []
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    rules: list[Rule] = []
    for index in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[index])
        length, thickness = (h, w) if vertical else (w, h)
        # A band ``t`` pixels thick covers up to (t + 1) / 2 squeezed rows: a row of slack.
        if length < min_length or area / max(length, 1) > (0.8 * unit + 3) / squeeze + (
            squeeze - 1
        ):
            # Too short, or a filled band: its edges were found as rules of their own.
            continue
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == index)
        along, across = (ys + y, xs + x) if vertical else (xs + x, ys + y)
        # A squeezed pixel's middle, in the page's pixels.
        across_px = (across.astype(float) + 0.5) * squeeze - 0.5
        if thickness * squeeze > 2 and np.ptp(along) > 0:
            slope, intercept = np.polyfit(along.astype(float), across_px, 1)
        else:
            slope, intercept = 0.0, float(np.mean(across_px))
        middle = (float(along.min()) + float(along.max())) / 2
        rules.append(
            Rule(float(along.min()), float(along.max()), intercept + slope * middle, slope)
        )
    return rules
