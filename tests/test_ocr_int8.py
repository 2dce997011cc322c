"""The big pages' second detector in INT8: made from the float weights, the same lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from imagelens.config import EngineSettings, Settings
from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.local.ocr import quantise
from imagelens.engine.local.ocr.analyzer import RapidOcrAnalyzer
from imagelens.engine.local.ocr.detect import Detector
from imagelens.intake import decode_image
from tests.imagegen import character_error_rate, encode
from tests.layouts import a4_page
from tests.scans import three_column_scan_a4, two_column_scan

OCR_ONLY = AnalysisOptions(analyzers=frozenset({"ocr"}))


@pytest.fixture(scope="module")
def int8() -> Path:
    # The default cache, as `make dev`/`make test` fill it (made here if they did not).
    return quantise.build(None)


def _bgr(image) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


def test_the_int8_detector_finds_the_float_ones_lines(int8: Path) -> None:
    float_ = Detector(max_side=1024, threads=1, model="small")
    quantised = Detector(max_side=1024, threads=1, model="small", weights_file=int8)
    for image in (a4_page().image, two_column_scan().image):
        bgr = _bgr(image)
        ours, theirs = np.stack(quantised.quads(bgr)), np.stack(float_.quads(bgr))
        assert abs(len(ours) - len(theirs)) <= 1
        centres = ours.mean(axis=1)
        nearest = np.linalg.norm(theirs.mean(axis=1)[:, None] - centres[None], axis=2).argmin(1)
        # Corners within a few pixels of the float detector's on 1700-2480 px pages.
        assert float(np.abs(theirs - ours[nearest]).mean()) < 8


@pytest.mark.usefixtures("int8")
def test_a_scanned_page_reads_as_well_with_the_int8_detector() -> None:
    scan = three_column_scan_a4()
    errors: dict[bool, float] = {}
    for wanted in (False, True):
        settings = Settings(engine=EngineSettings(ocr_det_int8=wanted))
        with Engine(settings) as engine:
            text = engine.analyze(encode(scan.image), OCR_ONLY).visible_text or ""
        errors[wanted] = character_error_rate(scan.text, text)
    assert errors[True] <= errors[False] + 0.003, errors
    assert errors[True] < 0.02


@pytest.mark.usefixtures("int8")
def test_big_pages_take_the_int8_detector_and_photos_the_float_one() -> None:
    ocr = RapidOcrAnalyzer(EngineSettings())
    ocr.load()
    models = ocr._engines.get().get()
    assert models.pages is not None and models.pages is not models.second
    calls: list[int] = []
    find = models.pages.quads

    def counted(bgr: np.ndarray) -> list[np.ndarray]:
        calls.append(1)
        return find(bgr)

    models.pages.quads = counted  # type: ignore[method-assign]
    ocr.read(decode_image(encode(three_column_scan_a4().image)))
    assert calls == [1]


@pytest.mark.usefixtures("int8")
def test_the_version_says_which_detector_runs() -> None:
    assert "pages' det INT8" in RapidOcrAnalyzer(EngineSettings()).version
    assert "INT8" not in RapidOcrAnalyzer(EngineSettings(ocr_det_int8=False)).version


def test_a_damaged_int8_file_falls_back_to_the_float_detector(tmp_path: Path) -> None:
    (tmp_path / quantise.cache_name()).write_bytes(b"not an onnx graph")
    ocr = RapidOcrAnalyzer(EngineSettings(model_cache=tmp_path))
    page = a4_page()
    text = ocr.read(decode_image(encode(page.image))).visible_text or ""
    assert character_error_rate(page.text, text) < 0.01
