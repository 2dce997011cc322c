"""The embedded queue: a bounded thread pool inside the server process."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from imagelens.db import Database
from imagelens.db.jobs import requeue_interrupted
from imagelens.jobs.runner import JobRunner

log = logging.getLogger(__name__)


class InProcessQueue:
    """Runs job ids on ``workers`` threads. The database, not this object, is the queue of
    record: a job submitted here and lost with the process is found again by :meth:`start`."""

    def __init__(self, runner: JobRunner, db: Database, *, workers: int, max_attempts: int):
        self._runner = runner
        self._db = db
        self._max_attempts = max_attempts
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="imagelens-job")

    def start(self) -> int:
        with self._db.session() as session:
            pending = requeue_interrupted(session=session, max_attempts=self._max_attempts)
        for job_id in pending:
            self.submit(job_id)
        if pending:
            log.info("resumed unfinished jobs", extra={"count": len(pending)})
        return len(pending)

    def submit(self, job_id: str) -> None:
        self._pool.submit(self._runner.run, job_id)

    def stop(self) -> None:
        # Jobs not started yet stay `queued` in the database; the next start runs them.
        self._pool.shutdown(wait=True, cancel_futures=True)
