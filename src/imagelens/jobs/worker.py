"""A worker process: runs the broker's job tasks with this process's models, no HTTP.

While its jobs run it renews their leases; with ``burst`` it exits once the queue is empty
and nothing runs (tests, batch back-fills, scale-to-zero).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from celery import Celery

from imagelens.db import Database
from imagelens.db.jobs import renew_leases
from imagelens.engine.runtime import lower_thread_priority
from imagelens.jobs.base import Runner
from imagelens.jobs.celery import TASK, CeleryQueue
from imagelens.jobs.lease import Lease
from imagelens.jobs.periodic import Periodic

log = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        *,
        app: Celery,
        runner: Runner,
        db: Database,
        lease: Lease,
        queue: CeleryQueue,
        renew_every: float,
        niceness: int = 0,
    ) -> None:
        self.app = app
        self.runner = runner
        self.db = db
        self.lease = lease
        self.queue = queue
        self.renew_every = renew_every
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        # Background jobs run on these niced threads (Celery's own threads keep full
        # priority for the jobs a caller waits on); created with the concurrency in run().
        self._niceness = niceness
        self._background: ThreadPoolExecutor | None = None
        app.task(
            name=TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True, shared=False
        )(self._run_job)

    def _run_job(self, job_id: str, waiting: bool = False) -> None:
        with self._lock:
            self._running.add(job_id)
        try:
            if waiting or self._background is None:
                self.runner.run(job_id)
            else:
                self._background.submit(self.runner.run, job_id).result()
        finally:
            with self._lock:
                self._running.discard(job_id)

    def _renew(self) -> None:
        # If the database is away the lease may lapse and the job run again elsewhere.
        with self._lock:
            running = set(self._running)
        with self.db.session() as session:
            renew_leases(
                session=session, owner=self.lease.owner, job_ids=running, lease=self.lease.seconds
            )

    def _burst_loop(self) -> None:
        idle_checks = 0
        while not self._stopping.wait(1.0):
            with self._lock:
                busy = bool(self._running)
            try:
                waiting = self.queue.pending()
            except Exception:
                log.warning("burst: cannot read the queue length", exc_info=True)
                continue
            idle_checks = 0 if busy or waiting else idle_checks + 1
            if idle_checks >= 2:
                log.info("burst: queue empty, stopping")
                os.kill(os.getpid(), signal.SIGTERM)  # Celery's warm shutdown
                return

    def start_background(self, concurrency: int) -> ThreadPoolExecutor:
        """The niced threads background jobs run on (``run`` starts them)."""
        self._background = ThreadPoolExecutor(
            max_workers=concurrency,
            thread_name_prefix="imagelens-background",
            initializer=lower_thread_priority,
            initargs=(self._niceness,),
        )
        return self._background

    def run(self, *, concurrency: int, burst: bool) -> None:
        """Consume the job queue until stopped (or, with ``burst``, until it is empty)."""
        renewer = Periodic("lease-renewer", self.renew_every, self._renew)
        renewer.start()
        background = self.start_background(concurrency)
        if burst:
            threading.Thread(target=self._burst_loop, daemon=True).start()
        try:
            self.app.worker_main(
                [
                    "worker",
                    "--pool=threads",
                    f"--concurrency={concurrency}",
                    f"--queues={','.join(self.queue.consumed)}",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=WARNING",
                ]
            )
        finally:
            self._stopping.set()
            renewer.stop()
            background.shutdown(wait=True)
