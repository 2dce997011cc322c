"""A job on an image kept only for it (describe-image, search by image): the image is stored
under ``uploads/<job id>`` for the worker, the job recorded and queued; the worker removes the
image once the job's outcome is saved. Blocking; call off the event loop."""

from __future__ import annotations

import uuid
from typing import Any

from imagelens.db import Database
from imagelens.db.tables import Job, utcnow
from imagelens.intake import DecodedImage
from imagelens.intake.body import Body
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
