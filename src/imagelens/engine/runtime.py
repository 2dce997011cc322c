"""How models run: loaded once, lazily, under a lock (the *what* lives in the analyzers)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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


class ByPriority(Generic[T]):
    """One ``T`` per thread priority (nice value), each made by ``make`` in the first thread
    of that priority that asks for it.

    ONNX Runtime's worker threads keep the nice value of the thread that created their
    session, and an unprivileged process cannot lower a nice value again. So a model that
    runs both interactive work (nice 0) and background work (niced) needs a session for each,
    or the background work would run at full priority (or the interactive work niced)."""

    def __init__(self, make: Callable[[int], T]) -> None:
        self._make = make
        self._by_nice: dict[int, T] = {}
        self._lock = threading.Lock()

    def get(self) -> T:
        """The ``T`` of the calling thread's priority."""
        nice = thread_niceness()
        with self._lock:
            item = self._by_nice.get(nice)
            if item is None:
                item = self._by_nice[nice] = self._make(nice)
            return item

    def all(self) -> list[T]:
        with self._lock:
            return list(self._by_nice.values())


def thread_niceness() -> int:
    """The calling thread's nice value (0 where threads have none)."""
    if not hasattr(os, "getpriority"):
        return 0
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except OSError:
        return 0


def run_at_priority(niceness: int, work: Callable[[], T]) -> T:
    """Run ``work`` in a short-lived thread lowered to ``niceness``; return what it returns.

    For loading the models of a lane ahead of its first job (see :class:`ByPriority`)."""
    with ThreadPoolExecutor(
        max_workers=1, initializer=lower_thread_priority, initargs=(niceness,)
    ) as pool:
        return pool.submit(work).result()


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


_ENV_LOCK = threading.Lock()


@contextmanager
def environment_while_loading(*kept: str, **values: str) -> Iterator[None]:
    """Set environment variables for the moment a native library loads, then put them back
    (and those named in ``kept``, which the library sets itself).

    Wheels with their own OpenMP runtime read ``OMP_*`` once, as they load. The environment is
    process-wide: two models loading at once in two threads must not interleave their saving
    and restoring (one would put back the other's values), so loads through here take turns.
    """
    with _ENV_LOCK:
        saved = {key: os.environ.get(key) for key in (*kept, *values)}
        os.environ.update(values)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
