"""Lets a request wait for a job that a worker thread finishes."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict


class JobWaiters:
    """Job id -> the futures of requests waiting on it; ``notify`` may come from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]]
        self._waiting = defaultdict(list)

    def register(self, job_id: str) -> asyncio.Future[None]:
        """Call before checking the job's state, so a finish in between is not missed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            self._waiting[job_id].append((loop, future))
        return future

    def discard(self, job_id: str, future: asyncio.Future[None]) -> None:
        with self._lock:
            entries = self._waiting.get(job_id, [])
            entries[:] = [(lp, f) for lp, f in entries if f is not future]
            if not entries:
                self._waiting.pop(job_id, None)

    def close(self) -> None:
        """Nothing to release (the protocol's: :class:`imagelens.jobs.events.JobEvents`)."""

    def notify(self, job_id: str) -> None:
        with self._lock:
            entries = self._waiting.pop(job_id, [])
        for loop, future in entries:
            loop.call_soon_threadsafe(_resolve, future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
