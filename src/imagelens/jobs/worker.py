"""A worker process: runs the broker's job tasks with this process's models, no HTTP.

While its jobs run it renews their leases; with ``burst`` it exits once the queue is empty
and nothing runs (tests, batch back-fills, scale-to-zero).

On SIGTERM (Celery's warm shutdown) running jobs hand themselves back at their next page,
frame or stage and are sent to the broker again for another worker; one still inside an
analyzer after ``drain_seconds`` is handed back and the process exits without it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutting_down

from imagelens.db import Database
from imagelens.db.jobs import renew_leases
from imagelens.engine.runtime import lower_thread_priority
from imagelens.jobs.base import Runner
from imagelens.jobs.celery import TASK, CeleryQueue
from imagelens.jobs.lease import Lease
from imagelens.jobs.periodic import Periodic

log = logging.getLogger(__name__)

# How often a burst worker looks whether the queue is empty and nothing runs (seconds); two
# idle looks in a row end it (the second one leaves Celery time to ack the last job).
_BURST_CHECK = 0.1


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
        drain_seconds: float = 10.0,
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
        self._drain_seconds = drain_seconds
        self._waiting: dict[str, bool] = {}  # running job -> someone waits on it
        self._idle = threading.Condition(self._lock)
        # Background jobs run on these niced threads (Celery's own threads keep full
        # priority for the jobs a caller waits on); created with the concurrency in run().
        self._niceness = niceness
        self._background: ThreadPoolExecutor | None = None
        self._hub: Any = None  # the consumer's event loop (kombu's Hub), once it is ready
        app.task(
            name=TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True, shared=False
        )(self._run_job)

    def _run_job(self, job_id: str, waiting: bool = False) -> None:
        with self._lock:
            self._running.add(job_id)
            self._waiting[job_id] = waiting
        try:
            if waiting or self._background is None:
                handed_back = self.runner.run(job_id)
            else:
                handed_back = self._background.submit(self.runner.run, job_id).result()
            if handed_back:  # stopping: another worker takes it now, not at the next sweep
                self.queue.submit(job_id, waiting=waiting)
        finally:
            with self._lock:
                self._running.discard(job_id)
                self._waiting.pop(job_id, None)
                self._idle.notify_all()

    def _on_ready(self, sender: Any = None, **_kwargs: object) -> None:
        """Celery's consumer is ready: keep its event loop, which the burst loop wakes."""
        self._hub = getattr(sender, "hub", None)

    def _on_shutdown(self, **_kwargs: object) -> None:
        """Celery's warm shutdown began (SIGTERM): hand running jobs back, exit in time."""
        self.runner.interrupt()
        threading.Thread(target=self._exit_if_stuck, name="drain", daemon=True).start()

    def _exit_if_stuck(self) -> None:
        deadline = time.monotonic() + self._drain_seconds
        with self._lock:
            while self._running and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            stuck = dict(self._waiting)
        if not stuck:
            return  # Celery finishes its warm shutdown
        log.warning("jobs still in an analyzer at shutdown", extra={"count": len(stuck)})
        try:
            self.runner.hand_back(list(stuck))
            for job_id, waiting in stuck.items():
                self.queue.submit(job_id, waiting=waiting)
            self.queue.flush()  # sent before the exit, not left in the sender thread
        finally:
            logging.shutdown()
            os._exit(0)  # the analyzer threads cannot be stopped; their jobs are back

    def _renew(self) -> None:
        # If the database is away the lease may lapse and the job run again elsewhere.
        with self._lock:
            running = set(self._running)
        with self.db.session() as session:
            renew_leases(
                session=session, owner=self.lease.owner, job_ids=running, lease=self.lease.seconds
            )

    def _burst_loop(self) -> None:
        # At 1 s apart a burst worker sat idle 1-2 s after its last job, a quarter of its
        # start-up-to-exit overhead in the benchmark.
        idle_checks = 0
        while not self._stopping.wait(_BURST_CHECK):
            with self._lock:
                busy = bool(self._running)
            if busy:  # the broker is asked only when idle: each look opens a connection
                idle_checks = 0
                continue
            try:
                waiting = self.queue.pending()
            except Exception:
                log.warning("burst: cannot read the queue length", exc_info=True)
                continue
            idle_checks = 0 if waiting else idle_checks + 1
            if idle_checks >= 2:
                log.info("burst: queue empty, stopping")
                os.kill(os.getpid(), signal.SIGTERM)  # Celery's warm shutdown
                # The signal only sets a flag, which Celery's event loop reads when its poll
                # returns (Redis: up to the 0.25 s BRPOP, AMQP: up to 1 s): wake it now.
                if self._hub is not None:
                    self._hub.call_soon(lambda: None)
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

    def run(self, *, concurrency: int, burst: bool) -> int:
        """Consume the job queue until stopped (or, with ``burst``, until it is empty); the
        exit code Celery's worker ended with (not 0 after an unrecoverable error)."""
        renewer = Periodic("lease-renewer", self.renew_every, self._renew)
        renewer.start()
        background = self.start_background(concurrency)
        if burst:
            threading.Thread(target=self._burst_loop, daemon=True).start()
        uid = f"imagelens-worker-{id(self)}"
        worker_shutting_down.connect(self._on_shutdown, weak=False, dispatch_uid=uid)
        worker_ready.connect(self._on_ready, weak=False, dispatch_uid=uid)
        try:
            # app.start, not app.worker_main (which drops it), returns the worker's exit code.
            code = self.app.start(
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
            worker_shutting_down.disconnect(dispatch_uid=uid)
            worker_ready.disconnect(dispatch_uid=uid)
            self._stopping.set()
            renewer.stop()
            background.shutdown(wait=True)
            self.queue.flush()  # jobs handed back during the stop reach the broker
        return int(code or 0)
