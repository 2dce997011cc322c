"""OCR: RapidOCR's PP-OCR detector and recogniser (ONNX, inside the wheel) on onnxruntime."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from imagelens.config import EngineSettings
from imagelens.engine.base import OcrOutput
from imagelens.engine.local.layout import Box, blocks
from imagelens.engine.local.scripts import TesseractReader, reread
from imagelens.engine.local.textfilter import plausible
from imagelens.engine.runtime import ByPriority, LazyModel
from imagelens.errors import AnalysisError
from imagelens.intake import DecodedImage
from imagelens.types import BBox, TextRegion

# Below this side no glyph is legible to the detector; skip the model entirely.
_MIN_SIDE = 16


def _build_engine(settings: EngineSettings) -> Any:
    from imagelens.engine.local.scripts.unread import KeepUnread

    engine = KeepUnread(
        params={
            "Global.log_level": "error",
            "Global.use_cls": settings.ocr_use_angle_classifier,
            # Every reading comes back: scripts.reread drops the unsure ones after it re-read
            # those in scripts PP-OCR cannot read (read unsurely, as they are).
            "Global.text_score": 0.0,
            # "max": scale the longest side down to this; the wheel's default scales the
            # shortest side *up* to 736, which quadruples detector work on pages.
            "Det.limit_type": "max",
            "Det.limit_side_len": settings.ocr_det_max_side,
            "Rec.rec_batch_num": settings.ocr_rec_batch,
            "EngineConfig.onnxruntime.intra_op_num_threads": settings.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )
    # RapidOCR opens its detector and recogniser sessions on first use: read one line now,
    # so loading costs nothing later and the sessions' threads are made in this thread.
    engine(_warmup_image())
    return engine


def _warmup_image() -> np.ndarray:
    canvas = Image.new("L", (320, 64), 255)
    ImageDraw.Draw(canvas).text((8, 12), "imagelens 2026", fill=0, font_size=32)
    return np.ascontiguousarray(np.asarray(canvas.convert("RGB"))[:, :, ::-1])


class RapidOcrAnalyzer:
    """The ``ocr`` analyzer: visible text in reading order and normalised boxes."""

    name = "ocr"

    def __init__(self, settings: EngineSettings) -> None:
        self._settings = settings
        # A session per thread priority: ONNX Runtime's threads keep their creator's nice value.
        self._engines = ByPriority(lambda _nice: LazyModel("ocr", lambda: _build_engine(settings)))
        self._scripts = TesseractReader()

    @property
    def version(self) -> str:
        return (
            f"rapidocr {metadata.version('rapidocr')} PP-OCRv6 "
            f"(onnxruntime {metadata.version('onnxruntime')})"
        )

    def load(self) -> None:
        self._engines.get().get()

    def run(self, image: DecodedImage) -> OcrOutput:
        return self.read(image)

    def read(self, image: DecodedImage, *, languages: Sequence[str] = ()) -> OcrOutput:
        """:meth:`run`, told which languages (ISO 639-1) to expect; () detects them."""
        width, height = image.image.size
        if min(width, height) < _MIN_SIDE:
            return OcrOutput(visible_text=None, regions=[])
        engine = self._engines.get().get()
        bgr = image.bgr
        try:
            # RapidOCR skips recognition itself when the detector finds no box.
            out = engine(bgr)
        except Exception as exc:  # onnxruntime raises its own non-public exception types
            raise AnalysisError(f"OCR failed: {exc}") from exc
        if out.boxes is None or out.txts is None:
            return OcrOutput(visible_text=None, regions=[])
        boxes = [
            Box(
                text=str(text).strip(),
                confidence=float(score),
                x0=float(np.min(quad[:, 0])),
                y0=float(np.min(quad[:, 1])),
                x1=float(np.max(quad[:, 0])),
                y1=float(np.max(quad[:, 1])),
            )
            for quad, text, score in zip(out.boxes, out.txts, out.scores, strict=True)
        ]
        boxes = reread(
            bgr,
            boxes,
            reader=self._scripts,
            min_confidence=self._settings.ocr_min_confidence,
            languages=languages,
        )
        layout = blocks(plausible(boxes))
        regions = [
            _region(box, width, height, block=i, line=j)
            for i, block in enumerate(layout)
            for j, line in enumerate(block)
            for box in line
        ]
        text = "\n".join(" ".join(b.text for b in line) for block in layout for line in block)
        return OcrOutput(visible_text=text or None, regions=regions)


def _region(box: Box, width: int, height: int, *, block: int, line: int) -> TextRegion:
    def clamp(v: float) -> float:
        return round(min(max(v, 0.0), 1.0), 5)

    x, y = clamp(box.x0 / width), clamp(box.y0 / height)
    return TextRegion(
        text=box.text,
        confidence=round(box.confidence, 4),
        bbox=BBox(
            x=x,
            y=y,
            width=clamp(box.x1 / width - x),
            height=clamp(box.y1 / height - y),
        ),
        block=block,
        line=line,
    )
