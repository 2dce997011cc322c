"""Moderation and faces: NudeNet's 320n detector (ONNX, inside the wheel)."""

from __future__ import annotations

from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

from imagelens.config import EngineSettings
from imagelens.engine.runtime import ByPriority, LazyModel
from imagelens.errors import AnalysisError
from imagelens.intake import DecodedImage
from imagelens.types import Moderation, ModerationLabel

# Detections that make an image unsafe for a general audience.
FLAGGED_CLASSES = frozenset(
    {
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "FEMALE_BREAST_EXPOSED",
        "BUTTOCKS_EXPOSED",
        "ANUS_EXPOSED",
    }
)
FACE_CLASSES = frozenset({"FACE_FEMALE", "FACE_MALE"})
_FACE_MIN_SCORE = 0.4


def _build_detector(threads: int) -> Any:
    import nudenet
    from nudenet import NudeDetector

    from imagelens.engine.local import sessions

    detector = NudeDetector()
    # NudeDetector opens its session with onnxruntime's defaults (a thread per core), which
    # oversubscribes the CPU while the other analyzers run beside it: reopen it with ours.
    model = Path(nudenet.__file__).parent / "320n.onnx"
    detector.onnx_session = sessions.open_session(model, threads)
    return detector


class NudeNetModerator:
    """The ``moderation`` analyzer."""

    name = "moderation"

    def __init__(self, settings: EngineSettings) -> None:
        self._threshold = settings.moderation_threshold
        # A session per thread priority: ONNX Runtime's threads keep their creator's nice value.
        self._detectors = ByPriority(
            lambda _nice: LazyModel("moderation", lambda: _build_detector(settings.model_threads))
        )

    @cached_property  # importlib.metadata reads the dist-info each time: ~2 ms a call
    def version(self) -> str:
        return f"nudenet {metadata.version('nudenet')} 320n"

    def load(self) -> None:
        self._detectors.get().get()

    def run(self, image: DecodedImage) -> Moderation:
        detector = self._detectors.get().get()
        bgr = image.bgr
        try:
            detections: list[dict[str, Any]] = detector.detect(bgr)
        except Exception as exc:  # onnxruntime and cv2 errors enter here
            raise AnalysisError(f"Moderation failed: {exc}") from exc
        return self.interpret(detections)

    def interpret(self, detections: list[dict[str, Any]]) -> Moderation:
        """Keep the strongest score per flagged class and count faces."""
        best: dict[str, float] = {}
        faces = 0
        for det in detections:
            label, score = str(det["class"]), float(det["score"])
            if label in FACE_CLASSES and score >= _FACE_MIN_SCORE:
                faces += 1
            if label in FLAGGED_CLASSES and score >= self._threshold:
                best[label.lower()] = max(best.get(label.lower(), 0.0), score)
        labels = [
            ModerationLabel(label=k, score=round(v, 4))
            for k, v in sorted(best.items(), key=lambda kv: -kv[1])
        ]
        return Moderation(flagged=bool(labels), labels=labels, face_count=faces)
