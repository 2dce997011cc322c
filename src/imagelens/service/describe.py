"""describe-image as a job: the upload goes to the store, a worker writes the markdown.

The route waits on the job like a sync analyze does, so an API process (``--role api``)
never loads a model; in the embedded role the in-process pool runs it, with the decoded
pixels handed over.
"""

from __future__ import annotations

from imagelens.db import Database
from imagelens.db.tables import Job
from imagelens.errors import AnalysisTimeout, error_from_record
from imagelens.intake import Decoder
from imagelens.intake.body import Body, as_body
from imagelens.jobs import JobQueue
from imagelens.service.ingest import Ingestor
from imagelens.service.uploadjob import submit_upload_job
from imagelens.storage import ObjectStore
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
        return submit_upload_job(
            db=self.db,
            store=self.store,
            queue=self.queue,
            tenant_id=tenant_id,
            job_type=JobType.DESCRIBE,
            options=options.model_dump(mode="json"),
            body=body,
            decoded=decoded,
        )


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
