"""Ruling lines found in squeezed ink (tables/rules.py) are those the full-size search finds:
hairlines on a 300 dpi scan stay whole, and a bold heading does not become a rule."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from imagelens.engine.tables import rules
from tests.imagegen import font

_ROWS = 8
_ROW_H = 90  # a 300 dpi table: text ~38 px tall


def _hairline_table() -> Image.Image:
    """A 2480x1800 ruled table of 1 px rules with bold and regular text, turned 0.6
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
    turned = image.rotate(0.6, resample=Image.Resampling.BICUBIC, fillcolor="white")
    soft = np.asarray(turned.filter(ImageFilter.GaussianBlur(0.7)), dtype=np.float32)
    grain = np.random.default_rng(5).normal(0, 7, soft.shape)
    out = io.BytesIO()
    Image.fromarray(np.clip(soft + grain, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=60)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def _lines(found: list[rules.Rule]) -> list[tuple[float, float, float]]:
    return [(r.start, r.end, r.at) for r in found]


def test_squeezed_ink_finds_the_full_size_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    image, unit = _hairline_table(), 38.0
    squeezed = rules.find_rules(image, unit)
    monkeypatch.setattr(rules, "_SQUEEZE_FROM", 10_000)
    full = rules.find_rules(image, unit)
    # Every drawn rule, and nothing else (the bold heading and header stay text).
    assert len(full.horizontal) == _ROWS + 1 and len(full.vertical) == 5
    assert len(squeezed.horizontal) == len(full.horizontal)
    assert len(squeezed.vertical) == len(full.vertical)
    for got, want in zip(
        _lines(squeezed.horizontal + squeezed.vertical),
        _lines(full.horizontal + full.vertical),
        strict=True,
    ):
        assert np.allclose(got, want, atol=1.5), (got, want)
    for got_rule, want_rule in zip(squeezed.horizontal, full.horizontal, strict=True):
        assert abs(got_rule.slope - want_rule.slope) < 2e-3
