"""Jobs through a broker: Celery on Redis (or RabbitMQ); workers anywhere run them.

The message is the job id (the database row holds the rest, see :class:`JobSpec`); the task
id is the job id. Delivery is at least once (``acks_late``, ``reject_on_worker_lost``,
prefetch 1) and running a job twice is harmless: the conditional claim lets one run win.
Lost messages are covered by the same sweep as in-process: expired leases and jobs queued
for too long are sent again.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from queue import SimpleQueue
from typing import Any

from celery import Celery

from imagelens.db import Database
from imagelens.db.jobs import UNREAD_FACES_KEPT, drop_unread_face_vectors, stranded_jobs
from imagelens.db.tables import utcnow
from imagelens.errors import StorageUnavailable
from imagelens.intake import DecodedImage
from imagelens.jobs.lease import owner_is_dead
from imagelens.jobs.periodic import Periodic

log = logging.getLogger(__name__)

TASK = "imagelens.run_job"


def celery_app(broker_url: str, queue: str) -> Celery:
    """A Celery app on ``broker_url`` with the delivery settings jobs need; job messages go
    to (and workers read from) ``queue``."""
    app = Celery("imagelens", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_default_queue=queue,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        # Redis: a worker polls its queues in the order it consumes them, so the queue of
        # jobs someone waits on (consumed first, see CeleryQueue.consumed) is always read
        # before the background backlog; the default round robin would alternate.
        # polling_interval: an idle worker's BRPOP returns after this long (kombu's default
        # 1 s), and a stopping worker waits for it (so that a message it pops is put back):
        # a burst worker's exit took 0.2-0.8 s longer for it. 4 short polls a second per
        # idle worker are nothing to Redis.
        broker_transport_options={"queue_order_strategy": "priority", "polling_interval": 0.25},
    )
    return app


class CeleryQueue:
    """:class:`imagelens.jobs.JobQueue` on a broker. This process only sends and sweeps."""

    def __init__(
        self,
        app: Celery,
        db: Database,
        *,
        max_attempts: int,
        sweep_interval: float = 30.0,
        resend_after: float = 600.0,
    ) -> None:
        self.app = app
        self.name: str = app.conf.task_default_queue
        # Jobs someone waits on (sync analyze, describe-image) skip the background backlog.
        self.waiting_name = f"{self.name}.waiting"
        self._db = db
        self._max_attempts = max_attempts
        self._sweep_interval = sweep_interval
        # A queued job may just be waiting behind others in the broker; send it again only
        # after this long (a duplicate is harmless, a flood of them is not).
        self._resend_after = resend_after
        self._sweeper = Periodic("sweeper", sweep_interval, self._sweep_round)
        self.left_running = 0  # no job runs in this process (see InProcessQueue)
        self._outbox: SimpleQueue[str | None] = SimpleQueue()
        self._sender: threading.Thread | None = None
        self._sender_lock = threading.Lock()

    def start(self) -> int:
        count = self.sweep()
        self._sweeper.start()
        return count

    def submit(
        self, job_id: str, image: DecodedImage | None = None, *, waiting: bool = False
    ) -> None:
        """Send the job to the broker. A job someone waits on is sent at once; a background
        one is handed to the sender thread, so an async upload answers 202 without waiting
        on the broker (its job row is committed: if the process dies before the send, the
        sweep sends it again)."""
        del image  # a remote worker decodes the stored original
        if waiting:
            self._send(job_id, waiting=True)
            return
        with self._sender_lock:
            if self._sender is None or not self._sender.is_alive():
                self._sender = threading.Thread(
                    target=self._send_loop, name="imagelens-sender", daemon=True
                )
                self._sender.start()
        self._outbox.put(job_id)

    def _send_loop(self) -> None:
        while (job_id := self._outbox.get()) is not None:
            try:
                self._send(job_id, waiting=False)
            except Exception:  # the broker is away: the sweep sends the job again
                log.warning("could not send a job to the broker", exc_info=True)

    def flush(self, timeout: float = 10.0) -> None:
        """Send what the sender thread still holds, then let it end."""
        sender = self._sender
        if sender is not None and sender.is_alive():
            self._outbox.put(None)
            sender.join(timeout)

    def _send(self, job_id: str, *, waiting: bool) -> None:
        self.app.send_task(
            TASK,
            args=[job_id],
            kwargs={"waiting": waiting},
            task_id=job_id,
            queue=self.waiting_name if waiting else self.name,
        )

    @property
    def consumed(self) -> tuple[str, str]:
        """The queues a worker reads, in the order it reads them."""
        return (self.waiting_name, self.name)

    def sweep(self) -> int:
        """Send again what no live worker holds: expired leases, long-queued jobs."""
        with self._db.session() as session:
            drop_unread_face_vectors(session=session, finished_before=utcnow() - UNREAD_FACES_KEPT)
        with self._db.session() as session:
            stranded = stranded_jobs(
                session=session,
                max_attempts=self._max_attempts,
                created_before=utcnow() - timedelta(seconds=self._resend_after),
                is_dead=owner_is_dead,
            )
        for job_id in stranded:
            self.submit(job_id)
        return len(stranded)

    def _sweep_round(self) -> None:
        if count := self.sweep():
            log.warning("re-sent stranded jobs", extra={"count": count})

    def interrupt(self) -> None:
        """A graceful stop: this process runs no job (workers hand theirs back on SIGTERM);
        it only stops sweeping."""
        self._sweeper.stop()

    def stop(self) -> None:
        self._sweeper.stop()
        self.flush()

    def pending(self) -> int:
        """Messages waiting in the broker's queues (for burst workers and monitoring); the
        queues are declared as Celery declares them, so asking never fails on a new broker."""
        total = 0
        with self.app.connection_for_read() as connection:
            for name in self.consumed:
                declared: Any = connection.default_channel.queue_declare(
                    name, durable=True, auto_delete=False
                )
                total += int(declared.message_count)
        return total

    def check(self) -> None:
        """Raise StorageUnavailable naming the broker setting if the broker does not answer."""
        try:
            self.pending()
        except Exception as exc:  # kombu/redis/amqp errors alike
            raise StorageUnavailable(
                f"The broker at IMAGELENS_QUEUE__BROKER_URL does not answer: {exc}"
            ) from exc
