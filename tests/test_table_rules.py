"""Ruling lines found in squeezed ink (tables/rules.py) are those the full-size search finds:
hairlines on a 300 dpi scan stay whole, and a bold heading does not become a rule."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from imagelens.engine.tables import rules
from tests.imagegen import font

_ROWS = 8
_ROW_H = 90  # a 300 dpi table: text ~38 px tall


def _hairline_table(angle: float, seed: int) -> Image.Image:
    """A 2480x1800 ruled table of 1 px rules with bold and regular text, turned ``angle``
    degrees, blurred, noisy and JPEG'd as a scanner returns it."""
    image = Image.new("RGB", (2480, 1800), "white")
    draw = ImageDraw.Draw(image)
    left, right, top = 200, 2280, 300
    draw.text((left, 120), "STATEMENT OF ACCOUNT", fill="black", font=font(64, bold=True))
    edges = [left, 1100, 1500, 1900, right]
    for r in range(_ROWS):
        y = top + r * _ROW_H
        bold = r == 0
        for c, x in enumerate(edges[:-1]):
            text = "Description" if c == 0 and bold else f"{r * 7 + c * 13}.{r}0"
            draw.text((x + 20, y + 25), text, fill="black", font=font(38, bold=bold))
    for r in range(_ROWS + 1):
        draw.line((left, top + r * _ROW_H, right, top + r * _ROW_H), fill="black", width=1)
    for x in edges:
        draw.line((x, top, x, top + _ROWS * _ROW_H), fill="black", width=1)
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor="white")
    soft = np.asarray(turned.filter(ImageFilter.GaussianBlur(0.7)), dtype=np.float32)
    grain = np.random.default_rng(seed).normal(0, 7, soft.shape)
    out = io.BytesIO()
    Image.fromarray(np.clip(soft + grain, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=60)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def _drawn(angle: float) -> list[tuple[float, float, float]]:
    """Each drawn rule's (start, end, middle) as :class:`rules.Rule` gives them, after the
    page is turned ``angle`` degrees about its centre (Pillow turns counter-clockwise)."""
    left, right, top = 200, 2280, 300
    bottom = top + _ROWS * _ROW_H
    sin, cos = math.sin(math.radians(angle)), math.cos(math.radians(angle))

    def turned(x: float, y: float) -> tuple[float, float]:
        dx, dy = x - 1240, y - 900
        return 1240 + dx * cos + dy * sin, 900 - dx * sin + dy * cos

    out = []
    for y in (top + r * _ROW_H for r in range(_ROWS + 1)):
        (x0, _), (x1, _), (_, middle) = turned(left, y), turned(right, y), turned(1240, y)
        out.append((x0, x1, middle))
    for x in (left, 1100, 1500, 1900, right):
        (_, y0), (_, y1), (middle, _) = turned(x, top), turned(x, bottom), turned(x, 700)
        out.append((y0, y1, middle))
    return out


@pytest.mark.parametrize(("angle", "seed"), [(0.6, 5), (-1.1, 9), (0.25, 3)])
def test_squeezed_ink_finds_the_drawn_rules(
    monkeypatch: pytest.MonkeyPatch, angle: float, seed: int
) -> None:
    image, unit = _hairline_table(angle, seed), 38.0
    squeezed = rules.find_rules(image, unit)
    monkeypatch.setattr(rules, "_SQUEEZE_FROM", 10_000)
    full = rules.find_rules(image, unit)
    # Every drawn rule, and nothing else (the bold heading and header stay text), where it
    # is drawn: across it within two pixels, as the full-size search puts it; along it
    # within 3/4 of a text height (a turned hairline's blurred end is lost or kept; tables
    # match rules to cells within half a text height).
    drawn = _drawn(angle)
    for found in (squeezed, full):
        lines = found.horizontal + found.vertical
        assert len(found.horizontal) == _ROWS + 1 and len(found.vertical) == 5
        for k, (rule, (start, end, middle)) in enumerate(zip(lines, drawn, strict=True)):
            place = rule.across(1240 if k <= _ROWS else 700)
            assert abs(place - middle) <= 2.0, (rule, middle)
            assert abs(rule.start - start) <= 0.75 * unit and abs(rule.end - end) <= 0.75 * unit
    for a, b in zip(squeezed.horizontal, full.horizontal, strict=True):
        assert abs(a.at - b.at) <= 1.5 and abs(a.slope - b.slope) < 2e-3
