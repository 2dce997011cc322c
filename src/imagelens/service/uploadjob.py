"""A job on an image kept only for it (describe-image, search by image, face queries): the
image is stored under ``uploads/<job id>`` for the worker, the job recorded and queued; the
worker removes the image once the job's outcome is saved. A query job (search by image, face
search and compare) answers with the image's features, which are read once and removed from
the job at once, so nothing of a query image is kept. Blocking; call off the event loop."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import update

from imagelens.db import Database
from imagelens.db.tables import Job, utcnow
from imagelens.errors import AnalysisTimeout, ModelUnavailable, error_from_record
from imagelens.intake import DecodedImage, Decoder
from imagelens.intake.body import Body, as_body
from imagelens.jobs import JobQueue
from imagelens.jobs.originals import store_body
from imagelens.storage import ObjectStore, upload_key
from imagelens.types import JobStatus, JobType


def submit_upload_job(
    *,
    db: Database,
    store: ObjectStore,
    queue: JobQueue,
    tenant_id: str,
    job_type: JobType,
    options: dict[str, Any],
    body: Body,
    decoded: DecodedImage,
) -> str:
    """Keep ``body`` for a new job of ``job_type`` and queue it (the caller waits on it, so
    it runs at full priority with the decoded pixels handed over); the job's id."""
    job_id = str(uuid.uuid4())
    key = upload_key(job_id)
    store_body(store, key, body)
    try:
        with db.session() as session:
            session.add(
                Job(
                    id=job_id,
                    tenant_id=tenant_id,
                    job_type=job_type,
                    status=JobStatus.QUEUED,
                    options=options,
                    created_at=utcnow(),
                )
            )
    except BaseException:
        store.delete(key)  # no job will ever read it
        raise
    queue.submit(job_id, decoded, waiting=True)
    return job_id


def submit_query_job(
    *,
    db: Database,
    store: ObjectStore,
    decoder: Decoder,
    queue: JobQueue,
    tenant_id: str,
    job_type: JobType,
    data: bytes | Body,
) -> str:
    """Check the query image (400 for a corrupt one), keep it for the worker, queue the job;
    the id of the job to wait on."""
    body = as_body(data)
    decoded = decoder.decode(body)
    return submit_upload_job(
        db=db,
        store=store,
        queue=queue,
        tenant_id=tenant_id,
        job_type=job_type,
        options={},
        body=body,
        decoded=decoded,
    )


T = TypeVar("T")


def take_query_result(
    *,
    db: Database,
    job: Job,
    timeout: float,
    decode: Callable[[dict[str, Any]], tuple[T, str]],
    model: Callable[[], str],
    kind: str,
) -> T:
    """A finished query job's features, decoded by ``decode`` (which also gives the worker's
    model), then removed from the job; its error raised again if it failed, a timeout if it
    has not finished, and a retryable error if the worker's ``kind`` model is not ``model``."""
    if job.status == JobStatus.FAILED and job.error is not None:
        raise error_from_record(job.error)
    if job.status != JobStatus.COMPLETED or job.result is None:
        raise AnalysisTimeout(
            f"No answer within {timeout:g} s: the workers are busy or none is running.",
            retryable=True,
        )
    features, worker_model = decode(job.result)
    with db.session() as session:  # a query image's features are not kept
        session.execute(update(Job).where(Job.id == job.id).values(result=None))
    expected = model()
    if worker_model != expected:
        raise ModelUnavailable(
            f"The worker's {kind} model ({worker_model}) is not this server's ({expected}): "
            "upgrade both to the same release.",
            retryable=True,
        )
    return features
