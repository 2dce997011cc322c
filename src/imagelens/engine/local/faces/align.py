"""Aligned face chips: dlib's 5-point landmarks on each box, then ``get_face_chip`` (150x150,
the input of dlib's descriptor network). Cheap (~0.6 ms a face); the chip lives in memory
only, for recognition to embed if a tenant asked for it."""

from __future__ import annotations

from typing import Any

import numpy as np

from imagelens.engine.local.faces.detector import Box
from imagelens.engine.local.faces.models import LANDMARKS, model_path

CHIP_SIZE = 150
_PADDING = 0.25  # dlib's default: the chip framing its descriptor network was trained on


def load_landmarks() -> Any:
    import dlib

    return dlib.shape_predictor(str(model_path(LANDMARKS)))


def predictor_box(box: Box) -> tuple[int, int, int, int]:
    """The square box dlib's predictor was trained on (its HOG detector's), from YuNet's.

    YuNet's box is taller (forehead to chin, h ~ 1.2 w) and starts higher than HOG's; the
    square of its width standing on its bottom edge matches HOG's framing: descriptors of
    chips aligned on it were 0.07-0.09 from those aligned on HOG's boxes (same face; dlib's
    same-person line is 0.6), against 0.09-0.14 for YuNet's raw box."""
    side = box.w
    left = box.x
    top = box.y + box.h - side
    return round(left), round(top), round(left + side), round(top + side)


def chip(landmarks: Any, rgb: np.ndarray, box: Box) -> np.ndarray:
    """The aligned 150x150x3 uint8 chip of the face in ``box``."""
    import dlib

    left, top, right, bottom = predictor_box(box)
    shape = landmarks(rgb, dlib.rectangle(left, top, right, bottom))
    aligned = dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=_PADDING)
    return np.asarray(aligned, dtype=np.uint8)
