"""A batch upload: one session, one batch job, one image job per file; no file sinks another."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from imagelens.db.tables import Job, UploadSession, utcnow
from imagelens.errors import ImageLensError
from imagelens.intake.body import Body
from imagelens.service.ingest import Ingestor, IngestRequest
from imagelens.service.views import error_type, poll_url, upload_view
from imagelens.types import JobStatus, JobType, RequestedOptions
from imagelens.types.api import BatchAccepted, UploadResult

log = logging.getLogger(__name__)


def ingest_batch(
    ingestor: Ingestor,
    *,
    tenant_id: str,
    files: Sequence[tuple[str, bytes | Body]],
    options: RequestedOptions,
    skip_duplicates: bool,
    storage_target: str | None = None,
) -> BatchAccepted:
    """Take every file in; refused files get a failed result, the rest are queued (blocking).

    The session and its batch job are written once every file has been taken in, with the
    final counts: a crash half-way leaves no session stuck in `processing` (the files taken
    in so far are analysed as ordinary images), and an unexpected error on one file fails
    that file, not the batch.
    """
    resolved = ingestor.resolve_options(tenant_id, options)  # once, before any file
    ingestor.stores.get(tenant_id, storage_target)  # no bucket: the whole batch is refused
    session_id, job_id = str(uuid.uuid4()), str(uuid.uuid4())
    results: list[UploadResult] = []
    rejected = skipped = 0
    for filename, data in files:
        request = IngestRequest(
            tenant_id=tenant_id,
            data=data,
            filename=filename,
            options=resolved,
            skip_duplicates=skip_duplicates,
            session_id=session_id,
            decode=False,
            storage_target=storage_target,
        )
        try:
            ingested = ingestor.ingest(request)
        except Exception as exc:
            if not isinstance(exc, ImageLensError):
                log.exception("batch file failed", extra={"session_id": session_id})
                exc = ImageLensError(f"Internal error taking {filename!r} in.", retryable=True)
            rejected += 1
            results.append(_refused(filename, exc))
            continue
        skipped += ingested.skipped
        results.append(
            upload_view(
                ingested.image,
                skipped=ingested.skipped,
                deduplicated=ingested.deduplicated,
                job_id=ingested.job_id,
                object_key=ingested.object_key,
            )
        )
    now = utcnow()
    with ingestor.db.session() as session:
        session.add(
            Job(
                id=job_id,
                tenant_id=tenant_id,
                job_type=JobType.BATCH,
                status=JobStatus.PROCESSING.value,
                session_id=session_id,
                options=resolved.model_dump(mode="json"),
                attempts=0,
                created_at=now,
            )
        )
        session.add(
            UploadSession(
                id=session_id,
                tenant_id=tenant_id,
                job_id=job_id,
                total=len(files),
                rejected=rejected,
                skipped=skipped,
                created_at=now,
            )
        )
    settled = rejected + skipped == len(files)
    return BatchAccepted(
        session_id=session_id,
        job_id=job_id,
        status="completed" if settled else "processing",
        poll_url=poll_url(job_id),
        session_url=f"/api/v2/sessions/{session_id}",
        results=results,
    )


def _refused(filename: str, exc: ImageLensError) -> UploadResult:
    return UploadResult(
        image_id=None,  # no image was stored
        filename=filename,
        description_status="failed",
        description_error=exc.message,
        description_error_type=error_type(exc.code),
        description_is_retryable=exc.retryable,
        status="completed",
    )
