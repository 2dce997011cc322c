"""Direct uploads: announce a file, send its bytes straight to storage, complete it.

With local storage the part URLs are this server's own (``PUT .../parts/{n}``, signed and
expiring: the URL is the credential, like a presigned S3 URL), streamed to disk in chunks.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import ServicesDep, Writer
from imagelens.api.inputs import clean_filename, parse_params
from imagelens.service.direct import NewUpload
from imagelens.service.views import upload_view
from imagelens.service.waiting import wait_for_job
from imagelens.types.api import (
    DirectUploadComplete,
    DirectUploadCreated,
    DirectUploadRequest,
    UploadPart,
    UploadResult,
)

router = APIRouter(prefix="/files/uploads", tags=["files"])

# Bytes gathered from the stream before one write in a thread: a thread hop costs more than
# the write of a small chunk (uvicorn hands them over 64 KB at a time).
_WRITE_BATCH = 4 * 1024 * 1024


@router.post(
    "", status_code=201, response_model=DirectUploadCreated, operation_id="files-create_upload"
)
async def create_upload(
    body: DirectUploadRequest, request: Request, principal: Writer, services: ServicesDep
) -> DirectUploadCreated:
    """Start a direct upload: send the bytes to `url` (one PUT) or to each `parts[].url`,
    then POST `complete_url`. Big files never pass through the API process's memory."""
    params = parse_params(
        {
            "content_category": body.content_category,
            "lang": body.lang,
            "skip_duplicates": body.skip_duplicates,
            "storage_target": body.storage_target,
        }
    )
    created: NewUpload = await run_in_threadpool(
        lambda: services.direct.create(
            tenant_id=principal.tenant_id,
            filename=clean_filename(body.filename, "upload"),
            size=body.size,
            sha256=body.sha256,
            options=params.job_options(),
            skip_duplicates=params.skip_duplicates,
            storage_target=None if params.storage_target == "default" else "custom",
        )
    )
    base = str(request.base_url).rstrip("/")
    urls = [url if url.startswith("http") else base + url for url in created.urls]
    multipart = created.method == "multipart"
    return DirectUploadCreated(
        upload_id=created.upload_id,
        method="multipart" if multipart else "put",
        url=None if multipart else urls[0],
        parts=[UploadPart(part_number=n, url=u) for n, u in enumerate(urls, 1)]
        if multipart
        else None,
        part_size=created.part_size,
        expires_at=created.expires_at,
        complete_url=f"{base}/api/v2/files/uploads/{created.upload_id}/complete",
    )


@router.put("/{upload_id}/parts/{part_number}", operation_id="files-put_upload_part")
async def put_part(
    upload_id: str,
    request: Request,
    services: ServicesDep,
    part_number: int = Path(ge=1, le=10_000),
    expires: str = Query(pattern=r"^[0-9]{1,12}$"),
    signature: str = Query(pattern=r"^[0-9a-fA-F]{64}$"),
) -> Response:
    """Receive one part of a direct upload to local storage (the signed URL is the
    credential); streamed to disk, answered with the part's `ETag`."""
    writer = await run_in_threadpool(
        lambda: services.direct.open_part(
            upload_id=upload_id, part_number=part_number, expires=expires, signature=signature
        )
    )
    try:
        pending: list[bytes] = []
        gathered = 0
        async for chunk in request.stream():
            pending.append(chunk)
            gathered += len(chunk)
            if gathered >= _WRITE_BATCH:
                await run_in_threadpool(writer.write_all, pending)
                pending, gathered = [], 0
        if pending:
            await run_in_threadpool(writer.write_all, pending)
        etag = await run_in_threadpool(writer.commit)
    finally:
        await run_in_threadpool(writer.close)
    # Answered first: the client sends its next part while this one is hashed and flushed.
    return Response(
        status_code=200, headers={"ETag": f'"{etag}"'}, background=BackgroundTask(writer.settle)
    )


@router.post(
    "/{upload_id}/complete",
    status_code=201,
    response_model=UploadResult,
    operation_id="files-complete_upload",
)
async def complete_upload(
    upload_id: str,
    principal: Writer,
    services: ServicesDep,
    body: DirectUploadComplete | None = None,
) -> UploadResult:
    """Check the uploaded bytes (size, sha256, type and limits, like /files/upload) and
    analyse them, waiting up to `timeout` seconds; a refused upload is removed."""
    started = time.perf_counter()
    body = body or DirectUploadComplete()
    parts = [(p.part_number, p.etag) for p in body.parts] if body.parts else None
    done = await run_in_threadpool(
        lambda: services.direct.complete(
            tenant_id=principal.tenant_id,
            upload_id=upload_id,
            parts=parts,
            waiting=body.timeout > 0,
        )
    )
    ingested = done.ingested
    if ingested.job_id is None:
        skipped = upload_view(ingested.image, skipped=True, deduplicated=True)
        return skipped.model_copy(update={"object_key": done.object_key})
    image = ingested.image
    remaining = max(0.0, body.timeout - (time.perf_counter() - started))
    if remaining > 0:
        _job, waited = await wait_for_job(
            services.library, services.events, ingested.job_id, remaining
        )
        image = waited or image
    now = await run_in_threadpool(services.library.faces_now, principal.tenant_id, [image.id])
    return upload_view(
        image,
        faces_now=now.get(image.id),
        deduplicated=ingested.deduplicated,
        job_id=ingested.job_id,
        object_key=done.object_key,
    )


@router.delete("/{upload_id}", status_code=204, operation_id="files-abort_upload")
async def abort_upload(upload_id: str, principal: Writer, services: ServicesDep) -> Response:
    """Abort a direct upload: what was sent is removed."""
    await run_in_threadpool(
        lambda: services.direct.abort(tenant_id=principal.tenant_id, upload_id=upload_id)
    )
    return Response(status_code=204)
