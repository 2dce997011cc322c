"""Job completion events: whoever finishes a job says so, and requests waiting on it wake.

In process, :class:`imagelens.jobs.JobWaiters` does it directly. With Redis, a finish is
published on a channel and every subscribed process wakes its own waiters, so a sync request
wakes as soon as a worker anywhere finishes (waiters also re-read the job now and then, in
case an event is lost).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Protocol

from redis import Redis
from redis.exceptions import RedisError

from imagelens.jobs.waiters import JobWaiters

log = logging.getLogger(__name__)


class JobEvents(Protocol):
    def register(self, job_id: str) -> asyncio.Future[None]:
        """Call before checking the job's state, so a finish in between is not missed."""
        ...

    def discard(self, job_id: str, future: asyncio.Future[None]) -> None: ...

    def notify(self, job_id: str) -> None:
        """The job finished (called from any thread, in any process)."""
        ...

    def close(self) -> None: ...


class RedisJobEvents:
    """Finishes published on ``channel``; a listener thread wakes this process's waiters."""

    def __init__(self, client: Redis, channel: str) -> None:
        self.client = client
        self.channel = channel
        self.local = JobWaiters()
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="imagelens-events", daemon=True)
        self._thread.start()

    def register(self, job_id: str) -> asyncio.Future[None]:
        return self.local.register(job_id)

    def discard(self, job_id: str, future: asyncio.Future[None]) -> None:
        self.local.discard(job_id, future)

    def notify(self, job_id: str) -> None:
        try:
            self.client.publish(self.channel, job_id)
        except RedisError:  # waiters here still wake; others fall back to re-reading the job
            log.warning("job events: Redis unavailable", exc_info=True)
            self.local.notify(job_id)

    def _listen(self) -> None:
        subscribed = False
        while not self._stopping.is_set():
            try:
                if not subscribed:  # here, not at start: Redis may come up after us
                    self._pubsub.subscribe(self.channel)
                    subscribed = True
                message = self._pubsub.get_message(timeout=0.5)
            except RedisError:
                log.warning("job events: lost Redis; retrying", exc_info=True)
                subscribed = False
                self._stopping.wait(1.0)
                continue
            if message and message.get("type") == "message":
                data = message["data"]
                self.local.notify(data.decode() if isinstance(data, bytes) else str(data))

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._pubsub.close()
