"""Job rows and their state machine: queued -> processing -> completed | failed."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Update, bindparam, func, null, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningUpdate

from imagelens.db.tables import Image, Job, Tenant, UploadSession, utcnow
from imagelens.db.webhooks import enqueue_job_events
from imagelens.types import JobStatus, JobType


def get_job(*, session: Session, tenant_id: str, job_id: str) -> Job | None:
    return session.scalar(select(Job).where(Job.id == job_id, Job.tenant_id == tenant_id))


@dataclass(frozen=True)
class Claimed:
    """What a worker needs of a job it has just claimed (read back by the claim itself)."""

    id: str
    job_type: JobType
    tenant_id: str
    image_id: str | None
    options: dict[str, Any]
    created_at: datetime


def claim(*, session: Session, job_id: str, owner: str, lease: float) -> Claimed | None:
    """Move a queued job to processing, leased to ``owner`` for ``lease`` seconds; None if
    another worker has it or it is finished.

    The conditional UPDATE is the lock: of two workers handed the same id, one wins. Its
    RETURNING gives the job's columns, so a claim is one statement, no SELECT after it.
    """
    now = utcnow()
    params = {
        "p_id": job_id,
        "p_now": now,
        "p_owner": owner,
        "p_until": now + timedelta(seconds=lease),
    }
    row = session.connection().execute(_claiming_update(), params).one_or_none()
    if row is None:
        return None
    return Claimed(job_id, JobType(row[0]), row[1], row[2], row[3] or {}, row[4])


# The job path's statements are built once and their values bound per call: building one
# (values, where clauses, returning) cost ~0.5-1 ms of a no-op job's ~10 ms of CPU, and the
# ORM's execute path as much again; they run on the session's connection, in its transaction.


@lru_cache(maxsize=1)
def _claiming_update() -> ReturningUpdate[Any]:
    when = Job.__table__.c.started_at.type
    return (
        update(Job)
        .where(Job.id == bindparam("p_id"), Job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.PROCESSING,
            attempts=Job.attempts + 1,
            started_at=bindparam("p_now", type_=when),
            lease_owner=bindparam("p_owner"),
            lease_expires_at=bindparam("p_until", type_=when),
        )
        .returning(Job.job_type, Job.tenant_id, Job.image_id, Job.options, Job.created_at)
    )


@dataclass(frozen=True)
class StartedImage:
    """A claimed image job's image, marked processing: where its bytes are and whether its
    tenant has face recognition on (read in the same statement)."""

    id: str
    tenant_id: str
    filename: str
    storage_key: str
    storage_target: str | None
    size_bytes: int
    face_recognition: bool


def start_image(*, session: Session, image_id: str) -> StartedImage | None:
    """Mark the image of a claimed job processing; None when it was deleted while queued.
    One UPDATE ... RETURNING, the tenant's recognition switch read by a subquery in it (no
    per-job SELECT of the tenant row, and never a stale answer)."""
    row = session.connection().execute(_starting_update(), {"p_id": image_id}).one_or_none()
    if row is None:
        return None
    return StartedImage(image_id, row[0], row[1], row[2], row[3], row[4], bool(row[5]))


@lru_cache(maxsize=1)
def _starting_update() -> ReturningUpdate[Any]:
    recognition = (
        select(Tenant.face_recognition).where(Tenant.id == Image.tenant_id).scalar_subquery()
    )
    return (
        update(Image)
        .where(Image.id == bindparam("p_id"))
        .values(status=JobStatus.PROCESSING.value)
        .returning(
            Image.tenant_id,
            Image.filename,
            Image.storage_key,
            Image.storage_target,
            Image.size_bytes,
            recognition,
        )
    )


def renew_leases(*, session: Session, owner: str, job_ids: Collection[str], lease: float) -> None:
    """Extend ``owner``'s leases on the jobs it is still running."""
    if job_ids:
        session.execute(
            update(Job)
            .where(
                Job.id.in_(list(job_ids)),
                Job.lease_owner == owner,
                Job.status == JobStatus.PROCESSING,
            )
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease))
        )


def hand_back(*, session: Session, owner: str, job_ids: Collection[str]) -> int:
    """Return ``owner``'s running jobs (and their images) to ``queued``, the lease released
    and the attempt not counted; how many it held."""
    if not job_ids:
        return 0
    held = (
        Job.id.in_(list(job_ids)),
        Job.lease_owner == owner,
        Job.status == JobStatus.PROCESSING,
    )
    image_ids = [i for i in session.scalars(select(Job.image_id).where(*held)) if i]
    found = session.execute(
        update(Job)
        .where(*held)
        .values(
            status=JobStatus.QUEUED,
            attempts=Job.attempts - 1,
            started_at=None,
            lease_owner=None,
            lease_expires_at=None,
        )
    )
    if image_ids:
        session.execute(
            update(Image).where(Image.id.in_(image_ids)).values(status=JobStatus.QUEUED.value)
        )
    return int(found.rowcount)  # type: ignore[attr-defined]


def finish_held(
    *,
    session: Session,
    job_id: str,
    owner: str,
    error: dict[str, Any] | None,
    result: dict[str, Any] | None = None,
) -> bool:
    """Finish a job ``owner`` still runs (``result`` kept on the job: describe jobs); False,
    and nothing written, when it no longer does: it was handed back (and may be queued or
    claimed again) or taken over after its lease ran out.

    The conditional UPDATE is the check: a thread whose job was handed back while it was
    stuck in an analyzer cannot finish the job under whoever runs it now. Write what goes
    with the outcome (the image's result) in the same transaction, after this."""
    params: dict[str, Any] = {"p_id": job_id, "p_owner": owner, "p_now": utcnow()}
    if error:
        params["p_error"] = error
    if result is not None:
        params["p_result"] = result
    statement = _finishing_update(bool(error), result is not None)
    done = session.connection().execute(statement, params)
    return bool(done.rowcount)


@lru_cache(maxsize=4)
def _finishing_update(failed: bool, with_result: bool) -> Update:
    # An absent error or result is SQL NULL (null()): a None bound to (or, before, set in
    # ``values()`` of) a JSON column is stored as JSON 'null', which ``IS NULL`` misses.
    table = Job.__table__.c
    return (
        update(Job)
        .where(
            Job.id == bindparam("p_id"),
            Job.lease_owner == bindparam("p_owner"),
            Job.status == JobStatus.PROCESSING,
        )
        .values(
            status=JobStatus.FAILED if failed else JobStatus.COMPLETED,
            error=bindparam("p_error", type_=table.error.type) if failed else null(),
            result=bindparam("p_result", type_=table.result.type) if with_result else null(),
            completed_at=bindparam("p_now", type_=table.completed_at.type),
            lease_owner=None,
            lease_expires_at=None,
        )
    )


def mark_gone(*, session: Session, job_id: str, error: dict[str, Any]) -> None:
    """A job just finished in this transaction whose image turned out to be deleted: it
    failed with ``error`` (rare: one more statement)."""
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.FAILED, error=error)
        .execution_options(synchronize_session=False)
    )


def finish(*, job: Job, error: dict[str, Any] | None) -> None:
    """Finish a job the caller has just claimed or taken back in this transaction."""
    job.status = JobStatus.FAILED if error else JobStatus.COMPLETED
    job.error = error
    job.completed_at = utcnow()
    job.lease_owner = job.lease_expires_at = None


def stranded_jobs(
    *,
    session: Session,
    max_attempts: int,
    created_before: datetime | None = None,
    is_dead: Callable[[str], bool] = lambda _owner: False,
) -> list[str]:
    """Image and describe jobs no live worker runs: ``processing`` ones whose lease ran out
    (or whose owner ``is_dead`` says is gone) go back to ``queued`` and are returned first,
    then every other queued one created before ``created_before``, oldest first, to be run.

    A job that has already been tried ``max_attempts`` times fails instead, so an image that
    crashes the process cannot crash it forever. Batch jobs are never touched: their state is
    read off their images.
    """
    now = utcnow()
    runnable = [Job.job_type.in_(_RUNNABLE)]
    processing = select(Job).where(Job.status == JobStatus.PROCESSING, *runnable)
    revived: list[str] = []  # taken back from a dead worker: run now, however young
    for job in session.scalars(processing):
        expired = job.lease_expires_at is None or job.lease_expires_at < now
        if not expired and not (job.lease_owner and is_dead(job.lease_owner)):
            continue  # a live worker holds it
        if job.attempts >= max_attempts:
            error = {
                "type": "analysis_error",
                "message": f"Interrupted {job.attempts} times; not retried again.",
                "retryable": True,
            }
            finish(job=job, error=error)
            if job.image_id and (image := session.get(Image, job.image_id)) is not None:
                image.status, image.error = JobStatus.FAILED, error
            if job.job_type == JobType.IMAGE:  # told to webhooks in this transaction
                enqueue_job_events(
                    session=session,
                    job_id=job.id,
                    tenant_id=job.tenant_id,
                    image_id=job.image_id,
                    failed=True,
                )
        else:
            job.status = JobStatus.QUEUED
            job.lease_owner = job.lease_expires_at = None
            revived.append(job.id)
    session.flush()
    queued = select(Job.id).where(Job.status == JobStatus.QUEUED, *runnable)
    if created_before is not None:
        queued = queued.where(Job.created_at < created_before)
    waiting = [i for i in session.scalars(queued.order_by(Job.created_at)) if i not in revived]
    return revived + waiting


def count_by_status(*, session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Job.status, func.count()).where(Job.job_type == JobType.IMAGE).group_by(Job.status)
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


# The jobs a worker runs (a batch job's state is read off its images).
_RUNNABLE = (JobType.IMAGE, JobType.DESCRIBE, JobType.SEARCH_IMAGE, JobType.FACES)


def drop_unread_face_vectors(*, session: Session, finished_before: datetime) -> int:
    """Remove the result (face vectors) of face jobs finished before ``finished_before``
    that nobody read: their caller gave up waiting. A query image's vectors never stay."""
    done = session.execute(
        update(Job)
        .where(
            Job.job_type == JobType.FACES,
            Job.result.is_not(None),
            Job.completed_at < finished_before,
        )
        .values(result=null())
    )
    return int(getattr(done, "rowcount", 0) or 0)


# A face job's vectors wait this long for their caller (who waits describe_timeout at most).
UNREAD_FACES_KEPT = timedelta(minutes=10)
