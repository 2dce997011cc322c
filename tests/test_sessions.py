"""Every local model's ONNX Runtime session is opened with the shared options (threads that
sleep when idle), those that RapidOCR and rapid-layout open for themselves too."""

from __future__ import annotations

from typing import Any

import onnxruntime as ort
import pytest

from imagelens.config import EngineSettings
from imagelens.engine.local.moderation import _build_detector
from imagelens.engine.local.ocr.blocks import PageBlocks
from imagelens.engine.local.ocr.detect import (
    Detector,
    small_detector,
    tiny_detector,
    warmup_image,
)
from imagelens.engine.local.ocr.gate import TextGate
from imagelens.engine.local.ocr.recognise import Recogniser, small_model, tiny_model
from imagelens.engine.local.tagger import _Classifier

_SPINNING = "session.intra_op.allow_spinning"


def _spins(session: ort.InferenceSession) -> str:
    return str(session.get_session_options().get_session_config_entry(_SPINNING))


def _sessions() -> dict[str, Any]:
    tiny = Detector(max_side=736, threads=2, model="tiny")
    small = Detector(max_side=1024, threads=2, model="small")
    boxes = [len(d.quads(warmup_image())) for d in (tiny, small)]
    assert boxes == [1, 1]  # the sessions put in their place read
    paths = [d._engine.text_det.session.session._model_path for d in (tiny, small)]
    assert paths == [str(tiny_detector()), str(small_detector())]
    return {
        "tiny detector": tiny._engine.text_det.session.session,
        "small detector": small._engine.text_det.session.session,
        "layout": PageBlocks(threads=2)._engine.session.session,
        "gate": TextGate(side=480, min_pixels=16, threads=2)._session,
        "tiny recogniser": Recogniser(tiny_model(), threads=2, batch=1)._session,
        "small recogniser": Recogniser(small_model(), threads=2, batch=1)._session,
        "tagger": _Classifier(2, EngineSettings().model_cache)._session,
        "moderation": _build_detector(2).onnx_session,
    }


_NAMES = ["tiny detector", "small detector", "layout", "gate"]
_NAMES += ["tiny recogniser", "small recogniser", "tagger", "moderation"]


@pytest.mark.parametrize("name", _NAMES)
def test_no_session_spins(name: str, opened: dict[str, Any]) -> None:
    assert _spins(opened[name]) == "0"


@pytest.fixture(scope="module")
def opened() -> dict[str, Any]:
    return _sessions()
