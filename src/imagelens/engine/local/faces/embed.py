"""Face descriptors: dlib's ResNet (128-d; faces of one person lie < 0.6 apart, Euclidean).

~80 ms a face on one core, so the analyzer never computes them: recognition calls
:meth:`FaceEmbedder.embed` for a tenant that opted in, and for face search queries."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import numpy as np

from imagelens.engine.local.faces.models import DESCRIPTOR, model_path
from imagelens.engine.runtime import LazyModel
from imagelens.errors import AnalysisError

DIM = 128


class _Net:
    """The loaded network; dlib's net keeps its activations in itself: one call at a time."""

    def __init__(self) -> None:
        import dlib

        self.net: Any = dlib.face_recognition_model_v1(str(model_path(DESCRIPTOR)))
        self.lock = threading.Lock()

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        batch = [np.ascontiguousarray(c, dtype=np.uint8) for c in chips]
        with self.lock:
            try:
                vectors = self.net.compute_face_descriptor(batch)
            except (RuntimeError, ValueError, TypeError) as exc:
                raise AnalysisError(f"The face embedder failed: {exc}") from exc
        return np.asarray([np.asarray(v) for v in vectors], dtype=np.float32).reshape(-1, DIM)


class FaceEmbedder:
    """Aligned chips (see :mod:`.align`) to 128-d descriptors; thread-safe, loads on first
    use."""

    def __init__(self) -> None:
        self._net = LazyModel("face embedder", _Net)
        self.version = f"dlib-{_dlib_version()}/resnet-v1-5pt"

    @property
    def loaded(self) -> bool:
        return self._net.loaded

    def load(self) -> None:
        self._net.get()

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        """One row per chip, float32 (n, 128); (0, 128) for none."""
        if not chips:
            return np.zeros((0, DIM), dtype=np.float32)
        return self._net.get().embed(chips)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """dlib's distance between two descriptors (same person below 0.6)."""
    return float(np.linalg.norm(np.asarray(a, np.float32) - np.asarray(b, np.float32)))


def _dlib_version() -> str:
    try:
        return metadata.version("dlib-bin")
    except metadata.PackageNotFoundError:
        return "unknown"
