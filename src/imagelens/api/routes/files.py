"""Files: upload (single and batch), list, get, delete."""

from __future__ import annotations

import time

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from imagelens.api.deps import Reader, ServicesDep, Writer
from imagelens.api.inputs import clean_filename, parse_params, spool_part
from imagelens.api.submit import spool, submit_image
from imagelens.errors import InvalidInput
from imagelens.intake.body import Body
from imagelens.service.batch import ingest_batch
from imagelens.service.library import ImageFilter
from imagelens.service.views import upload_view
from imagelens.service.waiting import wait_for_job
from imagelens.types.api import BatchAccepted, FileList, UploadResult

router = APIRouter(prefix="/files", tags=["files"])


@router.post("/upload", status_code=201, response_model=UploadResult, operation_id="files-upload")
async def upload(request: Request, principal: Writer, services: ServicesDep) -> UploadResult:
    """Store one image and analyse it, waiting up to `timeout` seconds for the description."""
    started = time.perf_counter()
    ingested, params = await submit_image(request, principal, services, waiting=True)
    if ingested.job_id is None:
        return upload_view(ingested.image, skipped=True)
    remaining = max(0.0, params.timeout - (time.perf_counter() - started))
    _job, image = await wait_for_job(services.library, services.events, ingested.job_id, remaining)
    image = image or ingested.image
    now = await run_in_threadpool(services.library.faces_now, principal.tenant_id, [image.id])
    return upload_view(
        image,
        faces_now=now.get(image.id),
        deduplicated=ingested.deduplicated,
        job_id=ingested.job_id,
        object_key=ingested.object_key,
    )


@router.post(
    "/upload/batch",
    status_code=202,
    response_model=BatchAccepted,
    operation_id="files-upload_batch",
)
async def upload_batch(request: Request, principal: Writer, services: ServicesDep) -> JSONResponse:
    """Queue many `files` parts as one session; poll the session or the job for progress."""
    limit = services.settings.max_batch
    async with request.form(max_files=limit + 1, max_fields=100) as form:
        parts = [p for p in form.getlist("files") if isinstance(p, UploadFile)]
        if not parts:
            raise InvalidInput("Send the images as multipart parts named `files`.")
        if len(parts) > limit:
            raise InvalidInput(
                f"{len(parts)} files in one batch; this server takes at most {limit} "
                "(IMAGELENS_MAX_BATCH). Split the upload.",
                details={"max_batch": limit},
            )
        params = parse_params({k: v for k, v in form.items() if isinstance(v, str)})
        files: list[tuple[str, bytes | Body]] = []
        try:
            names = [clean_filename(p.filename, f"file-{i}") for i, p in enumerate(parts)]
            for name, part in zip(names, parts, strict=True):
                files.append((name, await spool_part(part, spool(services))))
            accepted = await run_in_threadpool(
                lambda: ingest_batch(
                    services.ingestor,
                    tenant_id=principal.tenant_id,
                    files=files,
                    options=params.job_options(),
                    skip_duplicates=params.skip_duplicates,
                    storage_target=None
                    if params.storage_target == "default"
                    else params.storage_target,
                )
            )
        finally:
            for _name, spooled in files:
                if isinstance(spooled, Body):
                    spooled.close()
    return JSONResponse(accepted.model_dump(mode="json"), status_code=202)


@router.get("", response_model=FileList, operation_id="files-list")
async def list_files(
    principal: Reader,
    services: ServicesDep,
    q: str | None = Query(default=None, max_length=200),
    tag: str | None = Query(default=None, max_length=100),
    status: str | None = Query(
        default=None, pattern="^(pending|queued|processing|completed|failed)$"
    ),
    category: str | None = Query(default=None, max_length=32),
    person: str | None = Query(default=None, max_length=40),
    limit: int = Query(default=50, ge=1, le=500),
    cursor: str | None = Query(default=None, max_length=200),
) -> FileList:
    """This tenant's images, newest first, filtered; with `q`, the best matches first
    (full-text search, see /search); `person`: only images that person appears in (see
    /people); follow `next_cursor` for more."""
    if person is not None:  # 404 for another tenant's person, as /people/{id}/files says
        await run_in_threadpool(services.people.get, principal.tenant_id, person)
    filters = ImageFilter(q=q, tag=tag, status=status, category=category, person=person)
    return await run_in_threadpool(
        services.library.list_files, principal.tenant_id, filters, limit, cursor
    )


@router.get("/{image_id}", response_model=UploadResult, operation_id="files-get")
async def get_file(image_id: str, principal: Reader, services: ServicesDep) -> UploadResult:
    """One image's record and analysis."""
    return await run_in_threadpool(services.library.get_file, principal.tenant_id, image_id)


@router.delete("/{image_id}", status_code=204, operation_id="files-delete")
async def delete_file(image_id: str, principal: Writer, services: ServicesDep) -> Response:
    """Delete an image, its analysis and (when no other image shares them) its bytes."""
    await run_in_threadpool(
        lambda: services.ingestor.delete(tenant_id=principal.tenant_id, image_id=image_id)
    )
    return Response(status_code=204)
