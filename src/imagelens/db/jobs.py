"""Job rows and their state machine: queued -> processing -> completed | failed."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from imagelens.db.tables import Image, Job, UploadSession, utcnow
from imagelens.types import JobStatus


def get_job(*, session: Session, tenant_id: str, job_id: str) -> Job | None:
    return session.scalar(select(Job).where(Job.id == job_id, Job.tenant_id == tenant_id))


def claim(*, session: Session, job_id: str) -> Job | None:
    """Move a queued job to processing; None if another worker has it or it is finished.

    The conditional UPDATE is the lock: of two workers handed the same id, one wins.
    """
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.PROCESSING, attempts=Job.attempts + 1, started_at=utcnow())
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    return session.get(Job, job_id, populate_existing=True)


def finish(*, job: Job, error: dict[str, Any] | None) -> None:
    job.status = JobStatus.FAILED if error else JobStatus.COMPLETED
    job.error = error
    job.completed_at = utcnow()


def stranded_jobs(
    *,
    session: Session,
    max_attempts: int,
    running: Collection[str] = (),
    created_before: datetime | None = None,
) -> list[str]:
    """Image jobs no worker runs: those left ``processing`` (by a dead process, or a worker
    whose result could not be saved) go back to ``queued``, and every queued one is returned,
    oldest first, to be run. ``running``: ids this process's workers hold (left alone);
    ``created_before``: ignore younger jobs (just accepted, about to be handed to a worker).

    A job that has already been tried ``max_attempts`` times fails instead, so an image that
    crashes the process cannot crash it forever. Batch jobs are never touched: their state is
    read off their images.
    """
    image_jobs = [Job.job_type == "image", Job.id.not_in(list(running))]
    if created_before is not None:
        image_jobs.append(Job.created_at < created_before)
    stuck = list(
        session.scalars(select(Job).where(Job.status == JobStatus.PROCESSING, *image_jobs))
    )
    for job in stuck:
        if job.attempts >= max_attempts:
            error = {
                "type": "analysis_error",
                "message": f"Interrupted {job.attempts} times; not retried again.",
                "retryable": True,
            }
            finish(job=job, error=error)
            if job.image_id and (image := session.get(Image, job.image_id)) is not None:
                image.status, image.error = JobStatus.FAILED, error
        else:
            job.status = JobStatus.QUEUED
    session.flush()
    return list(
        session.scalars(
            select(Job.id)
            .where(Job.status == JobStatus.QUEUED, *image_jobs)
            .order_by(Job.created_at)
        )
    )


def count_by_status(*, session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Job.status, func.count()).where(Job.job_type == "image").group_by(Job.status)
    )
    return {row[0]: row[1] for row in rows}


def get_session(*, session: Session, tenant_id: str, session_id: str) -> UploadSession | None:
    return session.scalar(
        select(UploadSession).where(
            UploadSession.id == session_id, UploadSession.tenant_id == tenant_id
        )
    )


def session_images(*, session: Session, session_id: str) -> list[Image]:
    return list(
        session.scalars(
            select(Image).where(Image.session_id == session_id).order_by(Image.created_at)
        )
    )
