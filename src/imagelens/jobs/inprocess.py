"""The embedded queue: a bounded thread pool inside the server process."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from imagelens.db import Database
from imagelens.db.jobs import requeue_interrupted
from imagelens.engine.runtime import lower_thread_priority
from imagelens.intake import DecodedImage
from imagelens.jobs.runner import JobRunner

log = logging.getLogger(__name__)


class InProcessQueue:
    """Runs job ids on ``workers`` threads. The database, not this object, is the queue of
    record: a job submitted here and lost with the process is found again by :meth:`start`."""

    def __init__(
        self,
        runner: JobRunner,
        db: Database,
        *,
        workers: int,
        max_attempts: int,
        niceness: int = 0,
        max_held_bytes: int = 256 << 20,
    ) -> None:
        self._runner = runner
        self._db = db
        self._max_attempts = max_attempts
        self._pool = ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix="imagelens-job",
            initializer=lower_thread_priority,
            initargs=(niceness,),
        )
        self._lock = threading.Lock()
        self._held = 0  # bytes of decoded pixels waiting in the pool
        self._max_held = max_held_bytes

    def start(self) -> int:
        with self._db.session() as session:
            pending = requeue_interrupted(session=session, max_attempts=self._max_attempts)
        for job_id in pending:
            self.submit(job_id)
        if pending:
            log.info("resumed unfinished jobs", extra={"count": len(pending)})
        return len(pending)

    def submit(self, job_id: str, image: DecodedImage | None = None) -> None:
        # Decoded images waiting in the pool hold memory (48 MB for 12 MP); past
        # ``max_held_bytes``, later jobs decode their stored original when they start instead.
        size = _held_bytes(image)
        with self._lock:
            if self._held + size > self._max_held:
                image, size = None, 0
            self._held += size
        self._pool.submit(self._run, job_id, image, size)

    def _run(self, job_id: str, image: DecodedImage | None, size: int) -> None:
        with self._lock:
            self._held -= size
        self._runner.run(job_id, image)

    def stop(self) -> None:
        # Jobs not started yet stay `queued` in the database; the next start runs them.
        self._pool.shutdown(wait=True, cancel_futures=True)


def _held_bytes(image: DecodedImage | None) -> int:
    return 0 if image is None else image.image.width * image.image.height * 4
