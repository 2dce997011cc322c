"""One process-wide budget for decoded pixels, and handing freed memory back to the system.

A 120 KB PNG can declare 100 megapixels: 400 MB once Pillow holds it. Each decode reserves
what it will hold at its peak before it starts; a decode that does not fit waits (bounded) for
others to finish, then fails with a retryable 503 instead of taking the process down.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from imagelens.errors import ServerBusy

log = logging.getLogger(__name__)

# glibc's mallopt parameter that sets the mmap threshold (malloc.h).
_M_MMAP_THRESHOLD = -3


class DecodeBudget:
    """At most ``capacity`` bytes of decoded pixels in flight; callers wait up to ``wait`` s."""

    def __init__(self, capacity: int, wait: float) -> None:
        self.capacity = capacity
        self.wait = wait
        self._in_use = 0
        self._cond = threading.Condition()

    @property
    def in_use(self) -> int:
        return self._in_use

    @contextmanager
    def reserve(self, nbytes: int, wait: float | None = None) -> Iterator[None]:
        """Hold ``nbytes`` of the budget for the block, waiting up to ``wait`` seconds (the
        budget's own by default) for room. One request larger than the whole budget runs
        alone rather than never."""
        nbytes = min(nbytes, self.capacity)
        wait = self.wait if wait is None else wait
        deadline = time.monotonic() + wait
        with self._cond:
            while self._in_use + nbytes > self.capacity:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ServerBusy(
                        f"The server is decoding other large images ({self._in_use >> 20} MB "
                        f"of {self.capacity >> 20} MB in use); this one needs {nbytes >> 20} "
                        "MB. Retry shortly.",
                        retry_after=max(1, round(wait / 4)),
                    )
                self._cond.wait(remaining)
            self._in_use += nbytes
        try:
            yield
        finally:
            with self._cond:
                self._in_use -= nbytes
                idle = self._in_use == 0
                self._cond.notify_all()
            if idle and nbytes >= 64 << 20:
                release_free_memory()


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim, libc.mallopt  # noqa: B018 - glibc only: probe that both exist
    except (OSError, AttributeError):
        return None
    return libc


def tune_allocator(mmap_threshold: int = 8 << 20) -> None:
    """Serve every allocation of ``mmap_threshold`` bytes or more from its own mapping, so
    freeing decoded pixels gives the memory back to the system at once.

    glibc raises its mmap threshold after large frees (up to 32 MB), after which Pillow's
    16 MB pixel blocks land on thread heaps that fragment and are rarely returned: 4 decoded
    100 MP images left 4.45 GB resident for good. Measured with benchmarks/memory.py and
    benchmarks/api.py: 1 MB returned everything but cost ~18% on a 1 MP analysis (each
    model tensor faulted in fresh pages); 16 MB kept 1.2-1.6x the idle RSS; 8 MB (the OCR
    detector's 6.5 MB input stays on the heap) plus a trim when the job pool goes idle
    returned to 1.02x at ~10%. No library sets this; glibc only, a no-op elsewhere.
    """
    libc = _libc()
    if libc is not None and not libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold):
        log.warning("mallopt(M_MMAP_THRESHOLD) refused")


def release_free_memory() -> None:
    """Return free heap pages to the system (glibc ``malloc_trim``; a no-op elsewhere)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
