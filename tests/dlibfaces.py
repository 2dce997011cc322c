"""Real 128-d face descriptors for tests: dlib's detector, 5-point landmarks and ResNet
straight from the face-recognition-models files (the package itself is never imported: its
__init__ needs pkg_resources), on real photos under edits."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance

from imagelens.engine.base import FoundFace
from imagelens.types import BBox
from tests import imagegen


def _dlib() -> Any:
    # No stubs; imported where used so that collecting tests never loads it.
    import dlib  # type: ignore[import-untyped,unused-ignore]

    return dlib


@cache
def _models() -> tuple[Any, Any, Any]:
    dlib = _dlib()

    spec = importlib.util.find_spec("face_recognition_models")
    assert spec is not None and spec.submodule_search_locations is not None
    root = Path(spec.submodule_search_locations[0]) / "models"
    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(str(root / "shape_predictor_5_face_landmarks.dat")),
        dlib.face_recognition_model_v1(str(root / "dlib_face_recognition_resnet_model_v1.dat")),
    )


def photo(name: str) -> Image.Image:
    """``astronaut`` (Eileen Collins) or ``hopper`` (Grace Hopper)."""
    return imagegen.photo("astronaut" if name == "astronaut" else "grace_hopper")


def edited(image: Image.Image, edit: str) -> Image.Image:
    """The same photo flipped, halved, turned, darker, brighter or cropped."""
    w, h = image.size
    edits = {
        "orig": lambda: image,
        "flip": lambda: image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        "half": lambda: image.resize((w // 2, h // 2)),
        "rot10": lambda: image.rotate(10, expand=True),
        "dark": lambda: ImageEnhance.Brightness(image).enhance(0.5),
        "bright": lambda: ImageEnhance.Brightness(image).enhance(1.4),
        "crop": lambda: image.crop((w // 8, 0, w - w // 8, h * 7 // 8)),
    }
    return edits[edit]()


EDITS = ("orig", "flip", "half", "rot10", "dark", "bright", "crop")


def largest_face(image: Image.Image) -> tuple[FoundFace, np.ndarray]:
    """The largest face on ``image`` with its chip, and its descriptor."""
    detector, shapes, resnet = _models()
    pixels = np.asarray(image.convert("RGB"))
    rects = sorted(detector(pixels, 1), key=lambda r: -r.area())
    assert rects, "no face found"
    rect = rects[0]
    chip = np.asarray(_chip(pixels, shapes(pixels, rect)))
    vector = np.asarray(resnet.compute_face_descriptor(chip), dtype=np.float32)
    h, w = pixels.shape[:2]
    left, top = max(rect.left(), 0), max(rect.top(), 0)
    box = BBox(
        x=left / w,
        y=top / h,
        width=(min(rect.right(), w) - left) / w,
        height=(min(rect.bottom(), h) - top) / h,
    )
    return FoundFace(bbox=box, confidence=0.99, chip=chip), vector


def _chip(pixels: np.ndarray, shape: Any) -> Any:
    return _dlib().get_face_chip(pixels, shape, size=150, padding=0.25)


@cache
def descriptors() -> dict[tuple[str, str], tuple[FoundFace, np.ndarray]]:
    """Both people under every edit."""
    return {
        (who, edit): largest_face(edited(photo(who), edit))
        for who in ("astronaut", "hopper")
        for edit in EDITS
    }


class DlibEmbedder:
    """The face embedder the engine will have, made of the same dlib model (for the hook)."""

    version = "dlib-resnet-v1"

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        resnet = _models()[2]
        return np.array(
            [resnet.compute_face_descriptor(np.asarray(c)) for c in chips], dtype=np.float32
        ).reshape(len(chips), 128)
