"""The embedded queue: a bounded thread pool inside the server process, and its sweeper."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from imagelens.db import Database
from imagelens.db.jobs import (
    UNREAD_FACES_KEPT,
    drop_unread_face_vectors,
    renew_leases,
    stranded_jobs,
)
from imagelens.db.tables import utcnow
from imagelens.engine.runtime import lower_thread_priority
from imagelens.intake import DecodedImage
from imagelens.intake.budget import release_free_memory
from imagelens.jobs.base import Runner
from imagelens.jobs.lease import Lease, owner_is_dead
from imagelens.jobs.periodic import Periodic

log = logging.getLogger(__name__)


class InProcessQueue:
    """Runs job ids on ``workers`` threads. The database, not this object, is the queue of
    record: a job submitted here and lost with the process is found again by :meth:`start`,
    and one that was never handed over or whose worker gave up (its claim or its result
    could not be written: a full disk, a database outage) by the sweeper, every
    ``sweep_interval`` seconds, without a restart. A claimed job carries a lease (this
    process, until when) that the sweeper renews while the job runs; other processes on the
    same database take a job back only when its lease has run out.

    A graceful stop (:meth:`interrupt`, then :meth:`stop`) takes no new work and waits up to
    ``drain_seconds`` for running jobs, which hand themselves back at their next page, frame
    or stage; those still in an analyzer by then are handed back here, so whatever the
    process does next (exit) loses nothing."""

    def __init__(
        self,
        runner: Runner,
        db: Database,
        *,
        workers: int,
        max_attempts: int,
        niceness: int = 0,
        max_held_bytes: int = 256 << 20,
        sweep_interval: float = 30.0,
        lease: Lease | None = None,
        drain_seconds: float = 8.0,
    ) -> None:
        self._runner = runner
        # The runner claims with this lease; the sweeper renews it for running jobs.
        self._lease = lease or Lease.for_this_process(3 * sweep_interval)
        self._db = db
        self._max_attempts = max_attempts
        # Two lanes of ``workers`` threads: jobs someone waits on do not queue behind
        # background work, and run at full priority while background jobs are niced.
        self._pool = ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix="imagelens-job",
            initializer=lower_thread_priority,
            initargs=(niceness,),
        )
        self._waiting_pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="imagelens-job-waiting"
        )
        self._lock = threading.Lock()
        self._held = 0  # bytes of decoded pixels waiting in the pool
        self._max_held = max_held_bytes
        self._running: set[str] = set()  # submitted here, not finished
        self._started: set[str] = set()  # with a worker thread now
        self._drained = threading.Condition(self._lock)
        self._drain_seconds = drain_seconds
        self._stop_by: float | None = None  # monotonic time the graceful stop ends
        # Threads stop() handed back while they were still in an analyzer call: they cannot
        # be stopped, and the interpreter joins pool threads at exit, so a process with any
        # leaves with os._exit (api.server.GracefulServer); their jobs are queued.
        self.left_running = 0
        self._sweep_interval = sweep_interval
        self._sweeper = Periodic("sweeper", sweep_interval, self._sweep_round)

    def start(self) -> int:
        """Resume the jobs a previous process left unfinished; start the sweeper."""
        count = self.sweep(grace=0)
        if count:
            log.info("resumed unfinished jobs", extra={"count": count})
        self._sweeper.start()
        return count

    def sweep(self, grace: float | None = None) -> int:
        """Renew the leases of the jobs running here, then hand every stranded job (a lease
        run out or held by a dead local process, or queued for more than ``grace`` s and
        not in this pool) to a worker; return how many."""
        grace = self._sweep_interval if grace is None else grace
        with self._lock:
            running = set(self._running)
        with self._db.session() as session:
            renew_leases(
                session=session,
                owner=self._lease.owner,
                job_ids=running,
                lease=self._lease.seconds,
            )
        with self._db.session() as session:
            drop_unread_face_vectors(session=session, finished_before=utcnow() - UNREAD_FACES_KEPT)
        with self._db.session() as session:
            stranded = stranded_jobs(
                session=session,
                max_attempts=self._max_attempts,
                created_before=utcnow() - timedelta(seconds=grace),
                is_dead=owner_is_dead,
            )
        fresh = [job_id for job_id in stranded if job_id not in running]
        for job_id in fresh:
            self.submit(job_id)
        return len(fresh)

    def _sweep_round(self) -> None:
        if count := self.sweep():
            log.warning("re-queued stranded jobs", extra={"count": count})

    def submit(
        self, job_id: str, image: DecodedImage | None = None, *, waiting: bool = False
    ) -> None:
        # Decoded images waiting in the pool hold memory (48 MB for 12 MP); past
        # ``max_held_bytes``, later jobs decode their stored original when they start instead.
        size = _held_bytes(image)
        with self._lock:
            if job_id in self._running:  # already with a worker (a sweep raced a submit)
                return
            if self._held + size > self._max_held:
                image, size = None, 0
            self._held += size
            self._running.add(job_id)
        try:
            pool = self._waiting_pool if waiting else self._pool
            pool.submit(self._run, job_id, image, size)
        except RuntimeError:  # shutting down: the job stays queued for the next start
            with self._lock:
                self._held -= size
                self._running.discard(job_id)

    def _run(self, job_id: str, image: DecodedImage | None, size: int) -> None:
        with self._lock:
            self._held -= size
            self._started.add(job_id)
        try:
            self._runner.run(job_id, image)
        finally:
            with self._lock:
                self._running.discard(job_id)
                self._started.discard(job_id)
                idle = not self._running
                self._drained.notify_all()
            del image
            if idle:  # what the analyses freed goes back to the system, not kept in heaps
                release_free_memory()

    def interrupt(self) -> None:
        """Begin a graceful stop: jobs not started stay `queued` in the database for the
        next start; running ones hand themselves back at their next check."""
        with self._lock:
            if self._stop_by is not None:
                return
            self._stop_by = time.monotonic() + self._drain_seconds
        self._runner.interrupt()
        self._waiting_pool.shutdown(wait=False, cancel_futures=True)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def stop(self) -> None:
        """Finish a graceful stop within ``drain_seconds`` of its start (see the class)."""
        self.interrupt()
        self._sweeper.stop()
        with self._lock:
            assert self._stop_by is not None
            stop_by = self._stop_by
            while self._started and (left := stop_by - time.monotonic()) > 0:
                self._drained.wait(left)
            stuck = set(self._started)
        if stuck:  # in one long analyzer call: give the job back now, before the exit
            log.warning("jobs still running at stop", extra={"count": len(stuck)})
            self._runner.hand_back(stuck)
            self.left_running = len(stuck)


def _held_bytes(image: DecodedImage | None) -> int:
    return 0 if image is None else image.image.width * image.image.height * 4
