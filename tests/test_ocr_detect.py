"""The text detector: RapidOCR's detection, without the line cuts it would throw away."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import rapidocr.main
from rapidocr import RapidOCR

from imagelens.engine.local.ocr.detect import Detector, tiny_detector
from tests.imagegen import text_page
from tests.layouts import long_receipt, phone_screenshot
from tests.scripts import degrade


def _bgr(image) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


@pytest.mark.parametrize("model", ["tiny", "small"])
def test_the_boxes_are_rapidocrs_own(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = [text_page().image, degrade(long_receipt().image), phone_screenshot("dark").image]
    weights = {"Det.model_path": str(tiny_detector())} if model == "tiny" else {}
    plain = RapidOCR(
        params={
            **weights,
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.use_rec": False,
            "Det.limit_type": "max",
            "Det.limit_side_len": 1024,
        }
    )
    ours = Detector(max_side=1024, threads=1, model=model)  # type: ignore[arg-type]
    expected_boxes: list[Any] = [plain(_bgr(image)).boxes for image in pages]  # type: ignore[union-attr]

    def no_cutting(*_args: object) -> None:
        raise AssertionError("RapidOCR cut out a line the detector throws away")

    monkeypatch.setattr(rapidocr.main, "get_rotate_crop_image", no_cutting)
    for image, expected in zip(pages, expected_boxes, strict=True):
        bgr = _bgr(image)
        quads = ours.quads(bgr)
        assert len(quads) == len(expected) > 0
        assert np.array_equal(np.stack(quads), expected)
        assert len(ours.lines(bgr)) == len(quads)
