"""describe-image as a job: the upload goes to the store, a worker writes the markdown.

The route waits on the job like a sync analyze does, so an API process (``--role api``)
never loads a model; in the embedded role the in-process pool runs it, with the decoded
pixels handed over.
"""

from __future__ import annotations

import uuid

from imagelens.db import Database
from imagelens.db.tables import Job, utcnow
from imagelens.errors import AnalysisTimeout, error_from_record
from imagelens.intake import Decoder
from imagelens.intake.body import Body, as_body
from imagelens.jobs import JobQueue
from imagelens.jobs.originals import store_body
from imagelens.service.ingest import Ingestor
from imagelens.storage import ObjectStore, upload_key
from imagelens.types import DescribeOptions, JobStatus, JobType


class Describer:
    def __init__(
        self,
        *,
        db: Database,
        store: ObjectStore,
        decoder: Decoder,
        queue: JobQueue,
        ingestor: Ingestor,
    ) -> None:
        self.db = db
        self.store = store
        self.decoder = decoder
        self.queue = queue
        self.ingestor = ingestor

    def submit(self, tenant_id: str, data: bytes | Body, options: DescribeOptions) -> str:
        """Check the image (400 for a corrupt one), count it, keep it and queue the job."""
        body = as_body(data)
        decoded = self.decoder.decode(body)
        self.ingestor.charge(tenant_id)
        job_id = str(uuid.uuid4())
        key = upload_key(job_id)
        store_body(self.store, key, body)
        try:
            with self.db.session() as session:
                session.add(
                    Job(
                        id=job_id,
                        tenant_id=tenant_id,
                        job_type=JobType.DESCRIBE,
                        status=JobStatus.QUEUED,
                        options=options.model_dump(mode="json"),
                        created_at=utcnow(),
                    )
                )
        except BaseException:
            self.store.delete(key)  # no job will ever read it
            raise
        self.queue.submit(job_id, decoded, waiting=True)  # the caller holds the request open
        return job_id


def answer(job: Job, timeout: float) -> str:
    """The markdown of a finished describe job; its error raised again if it failed."""
    if job.status == JobStatus.COMPLETED and job.result is not None:
        return str(job.result["content"])
    if job.status == JobStatus.FAILED and job.error is not None:
        raise error_from_record(job.error)
    raise AnalysisTimeout(
        f"No answer within {timeout:g} s: the workers are busy or none is running.",
        retryable=True,
    )
