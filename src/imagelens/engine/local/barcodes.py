"""Barcodes and QR codes: zxing-cpp (a self-contained C++ reader in its wheel).

One pass with zxing-cpp's own defaults (every format, rotated, inverted and downscaled
tries). A second pass at twice the size runs only on small images where the first found a
symbol it could not decode (``return_errors``): on a seeded set of 120 degraded photos it
decoded 4-5 more codes (module widths near one pixel) when run on every small image without
a find; 2 of the 4 in the last run came after such a sign. Run on every photo without a
code it cost 3-4x the first pass (the bicubic upscale alone about as much as the first
pass), and every photo paid it.
Rotating by ±20 or 45 degrees found 3 more for three times the cost, so it is not done
(benchmarks/barcodes.py measures both).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from functools import cached_property
from importlib import metadata
from types import ModuleType
from typing import Any

from PIL import Image

from imagelens.engine.base import BarcodeOutput, OcrOutput
from imagelens.engine.runtime import LazyModel
from imagelens.errors import AnalysisError
from imagelens.intake import DecodedImage
from imagelens.types import Barcode, BBox, TextRegion

# Below this side there is no code to read.
_MIN_SIDE = 16
# The 2x pass costs 3-4x the first; above this side it costs more than it finds.
_UPSCALE_MAX_SIDE = 1024
# An OCR box this much inside a barcode's box is the bars (or the digits printed into them).
_COVERED = 0.6


class ZxingBarcodeReader:
    """The ``barcodes`` analyzer: every barcode and QR code with its format, text and box."""

    name = "barcodes"

    def __init__(self) -> None:
        # Imported on first use (under LazyModel's lock), like a model is loaded.
        self._zxing: LazyModel[ModuleType] = LazyModel(
            "barcodes", lambda: importlib.import_module("zxingcpp")
        )

    @cached_property  # importlib.metadata reads the dist-info each time: ~2 ms a call
    def version(self) -> str:
        return f"zxing-cpp {metadata.version('zxing-cpp')}"

    def load(self) -> None:
        self._zxing.get()

    def run(self, image: DecodedImage) -> BarcodeOutput:
        width, height = image.image.size
        if min(width, height) < _MIN_SIDE:
            return BarcodeOutput([])
        zxing = self._zxing.get()
        # The picture as it is: zxing-cpp's own luminance decoded one EAN more in 120 than
        # Pillow's grey copy did.
        picture = image.image
        try:
            seen = zxing.read_barcodes(picture, return_errors=True)
            found = [(f, 1.0) for f in seen if f.valid]
            if not found and seen and max(width, height) <= _UPSCALE_MAX_SIDE:
                bigger = picture.resize((width * 2, height * 2), Image.Resampling.BICUBIC)
                found = _read(zxing, bigger, 2.0)
        except Exception as exc:  # zxing-cpp raises plain RuntimeError/ValueError
            raise AnalysisError(f"Reading barcodes failed: {exc}") from exc
        codes = [_barcode(f, scale, width, height) for f, scale in found]
        return BarcodeOutput(_distinct(codes))


def _read(zxing: ModuleType, picture: Image.Image, scale: float) -> list[tuple[Any, float]]:
    return [(found, scale) for found in zxing.read_barcodes(picture) if found.valid]


def _barcode(found: Any, scale: float, width: int, height: int) -> Barcode:
    p = found.position
    xs = [pt.x / scale for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
    ys = [pt.y / scale for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]

    def clamp(v: float) -> float:
        return round(min(max(v, 0.0), 1.0), 5)

    x, y = clamp(min(xs) / width), clamp(min(ys) / height)
    return Barcode(
        format=str(found.format),
        value=str(found.text),
        bbox=BBox(
            x=x,
            y=y,
            width=clamp(max(xs) / width - x),
            height=clamp(max(ys) / height - y),
        ),
    )


def _distinct(codes: Sequence[Barcode]) -> list[Barcode]:
    """Each code once (the same symbol can be read twice), top to bottom, left to right."""
    seen: dict[tuple[str, str, int, int], Barcode] = {}
    for code in codes:
        key = (code.format, code.value, round(code.bbox.x * 20), round(code.bbox.y * 20))
        seen.setdefault(key, code)
    return sorted(seen.values(), key=lambda c: (round(c.bbox.y, 2), c.bbox.x))


def drop_covered_text(ocr: OcrOutput, codes: Sequence[Barcode]) -> OcrOutput:
    """``ocr`` without the regions lying mostly inside a barcode on the same page or frame:
    bars read as "IIlIl|" and a QR code's modules read as letters are not text."""
    if not codes or not ocr.regions:
        return ocr
    kept = [r for r in ocr.regions if not any(_covers(c, r) for c in codes)]
    if len(kept) == len(ocr.regions):
        return ocr
    dropped = {id(r) for r in ocr.regions} - {id(r) for r in kept}
    gone = [r.text for r in ocr.regions if id(r) in dropped]
    return OcrOutput(_without(ocr.visible_text, gone), kept)


def _covers(code: Barcode, region: TextRegion) -> bool:
    if code.page != region.page or code.time_s != region.time_s:
        return False
    a, b = code.bbox, region.bbox
    dx = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    dy = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    area = b.width * b.height
    return dx > 0 and dy > 0 and area > 0 and dx * dy >= _COVERED * area


def _without(text: str | None, gone: Sequence[str]) -> str | None:
    """``text`` with each dropped region's words taken out once, line by line (the OCR's
    text is its regions joined by spaces and lines; its layout is kept)."""
    if not text:
        return text
    lines = text.split("\n")
    for word in gone:
        for i, line in enumerate(lines):
            tokens = line.split(" ")
            parts = word.split(" ")
            at = _find(tokens, parts)
            if at is not None:
                lines[i] = " ".join(tokens[:at] + tokens[at + len(parts) :])
                break
    # A line that held only bars goes; blank lines between pages stay.
    out = [line for line, before in zip(lines, text.split("\n"), strict=True) if line or not before]
    joined = "\n".join(out).strip("\n")
    return joined or None


def _find(tokens: list[str], parts: list[str]) -> int | None:
    for i in range(len(tokens) - len(parts) + 1):
        if tokens[i : i + len(parts)] == parts:
            return i
    return None
