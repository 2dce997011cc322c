"""The job path of one process: the runner that runs jobs here and the queue that hands them
out, in-process threads (``embedded``: this process runs them) or Celery (workers run them).
Built by ``Services.build`` (core.py)."""

from __future__ import annotations

from collections.abc import Callable

from imagelens.config import Settings
from imagelens.db import Database
from imagelens.engine.analyst import Analyst
from imagelens.intake import DecodeBudget, Decoder
from imagelens.jobs import InProcessQueue, JobRunner, Lease
from imagelens.jobs.celery import CeleryQueue, celery_app
from imagelens.jobs.embeddings import Embedder
from imagelens.metrics import Metrics
from imagelens.people import People
from imagelens.people.recognizer import FaceEmbedderLike
from imagelens.storage.tenants import TenantStores


def build_job_path(
    settings: Settings,
    *,
    db: Database,
    stores: TenantStores,
    budget: DecodeBudget,
    analyst: Analyst,
    metrics: Metrics,
    lease: Lease,
    on_finished: Callable[[str], None],
    embedder: Embedder,
    people: People,
    face_embedder: FaceEmbedderLike,
) -> tuple[JobRunner, InProcessQueue | CeleryQueue]:
    """The runner, decoding under ``budget``, and the queue the settings ask for."""
    runner = JobRunner(
        db=db,
        stores=stores,
        # Workers decode under the same budget but wait their turn (10 min) instead of
        # failing a queued job for being busy.
        decoder=Decoder(settings.limits, budget, wait=600),
        analyst=analyst,
        metrics=metrics,
        lease=lease,
        describe_timeout=settings.jobs.describe_timeout,
        max_seconds=settings.jobs.max_seconds,
        on_finished=on_finished,
        spool=settings.spool_dir,
        embedder=embedder,
        people=people,
        face_embedder=face_embedder,
    )
    queue: InProcessQueue | CeleryQueue
    if settings.queue.kind == "celery":
        queue = CeleryQueue(
            celery_app(settings.queue.broker_url, settings.queue.name),
            db,
            max_attempts=settings.jobs.max_attempts,
            sweep_interval=settings.jobs.sweep_interval,
        )
    else:
        queue = InProcessQueue(
            runner,
            db,
            workers=settings.jobs.workers,
            max_attempts=settings.jobs.max_attempts,
            niceness=settings.engine.nice,
            sweep_interval=settings.jobs.sweep_interval,
            lease=lease,
        )
    return runner, queue
