"""Stored rows -> wire models. One place decides what each status variant carries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from imagelens.db.tables import Image, Job, UploadSession
from imagelens.engine.describe.naming import with_names
from imagelens.intake.sniff import ImageFormat
from imagelens.people.models import StoredFace
from imagelens.types import AnalysisResult, BBox, Face, JobStatus
from imagelens.types.api import (
    AnalyzeCompleted,
    AnalyzeFailed,
    AnalyzeProcessing,
    ErrorInfo,
    FileAnalysis,
    JobCompleted,
    JobFailed,
    JobProcessing,
    JobProgress,
    JobResult,
    SessionStatus,
    UploadResult,
)

API = "/api/v2"


def poll_url(job_id: str) -> str:
    return f"{API}/job/{job_id}"


def _error(raw: dict[str, Any] | None) -> ErrorInfo | None:
    return ErrorInfo.model_validate(raw) if raw else None


def _result(image: Image) -> AnalysisResult | None:
    return AnalysisResult.model_validate(image.result) if image.result else None


def shown_people(
    image: Image, result: AnalysisResult | None, stored: Sequence[StoredFace] | None
) -> tuple[str | None, list[Face]]:
    """The description and faces of ``image`` as shown now: each face with its person as
    the faces table says (``stored``; none where recognition is off), the description naming
    them (not for a video, whose description counts one frame's faces)."""
    description = image.description
    if result is None:
        return description, []
    faces = current_faces(result.faces, stored or ())
    if stored and not result.frames and description:
        pairs = [(f.person_id, f.person_name) for f in faces]
        description = with_names(description, result.lang, pairs)
    return description, faces


def analyze_view(
    image: Image, job: Job, elapsed_ms: float, *, faces_now: Sequence[StoredFace] | None = None
) -> AnalyzeCompleted | AnalyzeProcessing | AnalyzeFailed:
    """The sync analyze answer for ``job`` as it stands now (``faces_now``: the image's
    stored faces, who they are now)."""
    elapsed_ms = round(elapsed_ms, 1)
    if job.status == JobStatus.COMPLETED and (result := _result(image)) is not None:
        description, faces = shown_people(image, result, faces_now)
        return AnalyzeCompleted(
            image_id=image.id,
            processing_time_ms=elapsed_ms,
            description=description,
            visible_text=result.visible_text,
            tags=result.tags,
            metadata=result.metadata,
            confidence_score=result.confidence_score,
            text_regions=result.text_regions,
            category=result.category,
            extracted=result.extracted,
            moderation=result.moderation,
            colors=result.colors,
            backend=result.backend,
            vlm_fallback=result.vlm_fallback,
            pages=result.pages or None,
            barcodes=result.barcodes or None,
            faces=faces,
            tables=result.tables or None,
        )
    if job.status == JobStatus.FAILED:
        return AnalyzeFailed(
            image_id=image.id,
            processing_time_ms=elapsed_ms,
            job_id=job.id,
            poll_url=poll_url(job.id),
            error=_error(job.error),
        )
    return AnalyzeProcessing(
        image_id=image.id, processing_time_ms=elapsed_ms, job_id=job.id, poll_url=poll_url(job.id)
    )


def analysis_view(image: Image, *, faces_now: Sequence[StoredFace] | None = None) -> FileAnalysis:
    result = _result(image)
    if result is not None:
        description, faces = shown_people(image, result, faces_now)
        result = result.model_copy(update={"description": description, "faces": faces})
    return FileAnalysis(
        image_id=image.id,
        filename=image.filename,
        status=image.status,
        created_at=image.created_at,
        content_hash=image.content_hash,
        error=_error(image.error),
        result=result,
    )


def upload_view(
    image: Image,
    *,
    skipped: bool = False,
    deduplicated: bool = False,
    job_id: str | None = None,
    object_key: str | None = None,
    faces_now: Sequence[StoredFace] | None = None,
) -> UploadResult:
    result = _result(image)
    description, faces = shown_people(image, result, faces_now)
    error = image.error or {}
    return UploadResult(
        image_id=image.id,
        filename=image.filename,
        description=description,
        tags=result.tags if result else None,
        visible_text=image.visible_text,
        text_regions=result.text_regions if result else None,
        confidence_score=result.confidence_score if result else None,
        faces=faces if result else None,
        description_status="skipped" if skipped else image.status,
        thumbnail_url=f"{API}/files/{image.id}/thumbnail",
        created_at=image.created_at,
        description_error=error.get("message"),
        description_error_type=error_type(error.get("type")) if error else None,
        description_is_retryable=error.get("retryable") if error else None,
        deduplicated=skipped or deduplicated,
        media_type=ImageFormat(image.format).media_type,
        status="completed" if JobStatus(image.status).finished else "processing",
        job_id=job_id,
        object_key=object_key,
        tables=(result.tables or None) if result else None,
    )


# Our error codes folded into the SDK's DescriptionErrorType values.
_ERROR_TYPES = {
    "timeout": "timeout",
    "analysis_timeout": "timeout",
    "rate_limited": "rate_limit",
    "quota_exceeded": "resource_limit",
    "image_too_large": "resource_limit",
    "decompression_bomb": "resource_limit",
    "invalid_image": "validation",
    "invalid_input": "validation",
    "unsupported_media_type": "validation",
    "url_not_allowed": "validation",
    "url_fetch_failed": "validation",
    "analysis_error": "vlm_error",
    "vlm_error": "vlm_error",
    "rate_limit": "rate_limit",
    "validation": "validation",
    "resource_limit": "resource_limit",
    "model_unavailable": "vlm_error",
}


def error_type(code: str | None) -> str:
    return _ERROR_TYPES.get(code or "", "unknown")


def job_result(image: Image) -> JobResult:
    result = _result(image)
    return JobResult(
        image_id=image.id,
        status=image.status,
        filename=image.filename,
        description=image.description,
        visible_text=image.visible_text,
        tags=result.tags if result else None,
        text_regions=result.text_regions if result else None,
        confidence_score=result.confidence_score if result else None,
        error=_error(image.error),
    )


def image_job_view(job: Job, image: Image | None) -> JobProcessing | JobCompleted | JobFailed:
    if job.status == JobStatus.COMPLETED and image is not None:
        return JobCompleted(
            job_id=job.id,
            job_type="image",
            created_at=job.created_at,
            completed_at=job.completed_at,
            results=[job_result(image)],
        )
    if JobStatus(job.status).finished:
        message = (job.error or {}).get("message", "The image was deleted.")
        return JobFailed(
            job_id=job.id,
            job_type="image",
            created_at=job.created_at,
            completed_at=job.completed_at,
            error_message=message,
        )
    return JobProcessing(job_id=job.id, job_type="image", created_at=job.created_at)


def session_progress(upload: UploadSession, images: list[Image]) -> JobProgress:
    done = sum(1 for i in images if i.status == JobStatus.COMPLETED)
    failed = sum(1 for i in images if i.status == JobStatus.FAILED)
    return JobProgress(
        total=upload.total, completed=done + upload.skipped, failed=failed + upload.rejected
    )


def session_view(upload: UploadSession, images: list[Image]) -> SessionStatus:
    progress = session_progress(upload, images)
    finished = progress.completed + progress.failed >= progress.total
    status = "processing"
    if finished:
        status = "failed" if progress.failed == progress.total and progress.total else "completed"
    return SessionStatus(
        session_id=upload.id,
        job_id=upload.job_id,
        status=status,
        created_at=upload.created_at,
        progress=progress,
        results=[upload_view(i) for i in images],
    )


def batch_job_view(
    job: Job, upload: UploadSession, images: list[Image]
) -> JobProcessing | JobCompleted | JobFailed:
    view = session_view(upload, images)
    common = {"job_id": job.id, "job_type": "batch", "created_at": job.created_at}
    if view.status == "processing":
        return JobProcessing(**common, progress=view.progress)
    completed_at = max((i.updated_at for i in images), default=job.created_at)
    if view.status == "failed":
        return JobFailed(
            **common,
            progress=view.progress,
            completed_at=completed_at,
            error_message="Every file in the batch failed.",
        )
    return JobCompleted(
        **common,
        progress=view.progress,
        completed_at=completed_at,
        results=[job_result(i) for i in images],
    )


def current_faces(faces: Sequence[Face], stored: Sequence[StoredFace]) -> list[Face]:
    """An image's faces as its result lists them, each with who it is now: a name given,
    a merge or a forgotten person since the analysis shows at once, and where recognition
    is off (no stored face) nobody is named. An image recognised after its analysis (a
    backfill) has only stored faces: those are listed."""
    by_place = {_place(s.bbox, s.page, s.time_s): s for s in stored}
    if not faces:
        return [
            Face(
                bbox=s.bbox,
                confidence=s.confidence,
                person_id=s.person_id,
                person_name=s.name,
                page=s.page,
                time_s=s.time_s,
            )
            for s in stored
        ]
    now: list[Face] = []
    for face in faces:
        match = by_place.get(_place(face.bbox, face.page, face.time_s))
        now.append(
            face.model_copy(
                update={
                    "person_id": match.person_id if match else None,
                    "person_name": match.name if match else None,
                }
            )
        )
    return now


def _place(box: BBox, page: int | None, time_s: float | None) -> tuple[float, ...]:
    return (
        round(box.x, 4),
        round(box.y, 4),
        round(box.width, 4),
        round(box.height, 4),
        page or 0,
        time_s if time_s is not None else -1.0,
    )
