"""How models run: loaded once, lazily, under a lock (the *what* lives in the analyzers)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from imagelens.errors import ModelUnavailable

T = TypeVar("T")


class LazyModel(Generic[T]):
    """A model built by ``loader`` on first use; safe to share between threads."""

    def __init__(self, name: str, loader: Callable[[], T]) -> None:
        self.name = name
        self._loader = loader
        self._model: T | None = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def get(self) -> T:
        """Return the model, loading it the first time (other callers wait for that load)."""
        model = self._model
        if model is not None:
            return model
        with self._lock:
            if self._model is None:
                start = time.perf_counter()
                try:
                    self._model = self._loader()
                except Exception as exc:
                    raise ModelUnavailable(f"The {self.name} model could not load: {exc}") from exc
                self.load_seconds = time.perf_counter() - start
            return self._model

    def unload(self) -> None:
        """Drop the model; the next :meth:`get` loads it again."""
        with self._lock:
            self._model = None


def lower_thread_priority(niceness: int) -> None:
    """Make the calling thread (and the threads it starts later) yield the CPU to others.

    On Linux a thread is a task with its own nice value, and the ONNX Runtime and torch worker
    threads a model spawns inherit it from the thread that loads the model. Analysis then runs
    on whatever CPU the request path leaves, so the API keeps accepting work under load.
    Elsewhere, or without permission, this does nothing.
    """
    if niceness <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except OSError:
        pass
