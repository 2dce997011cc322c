"""Faces on images that are not stored: search the library's people, compare two images.

Each query image goes to a worker as a face job (service/faces.py); nothing of it is kept.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import Reader, ServicesDep
from imagelens.api.inputs import ImageInput, read_form_file, read_image_request
from imagelens.api.submit import spool
from imagelens.core import Services
from imagelens.errors import InvalidInput
from imagelens.jobs.faces import QueryFace
from imagelens.service.waiting import wait_for_job
from imagelens.types.people import FaceCompareResult, FaceSearchResult

router = APIRouter(prefix="/faces", tags=["faces"])


@router.post("/search", response_model=FaceSearchResult, operation_id="faces-search")
async def search_faces(
    request: Request,
    principal: Reader,
    services: ServicesDep,
    limit: int = Query(default=5, ge=1, le=20),
) -> FaceSearchResult:
    """Who in the library is this? Each face of the sent image (multipart `file`, or JSON
    `url` or `base64`) with the closest known people. The image is not stored."""
    await run_in_threadpool(services.faces.require_tenant, principal.tenant_id)
    upload, params = await read_image_request(request, services.fetcher, spool(services))
    faces = await _faces_of(services, principal.tenant_id, upload, params.timeout)
    return await run_in_threadpool(services.faces.search, principal.tenant_id, faces, limit)


@router.post("/compare", response_model=FaceCompareResult, operation_id="faces-compare")
async def compare_faces(
    request: Request, principal: Reader, services: ServicesDep
) -> FaceCompareResult:
    """Are these the same person? Multipart parts `source` and `target`; each source face
    with its closest target face. Neither image is stored."""
    await run_in_threadpool(services.faces.require_server)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput("Send multipart/form-data with the parts `source` and `target`.")
    async with request.form(max_files=2) as form:
        source = await read_form_file(form, "source", spool(services))
        target = await read_form_file(form, "target", spool(services))
    if source is None or target is None:
        for part in (source, target):
            if part is not None:
                part.data.close()
        raise InvalidInput("Send both images as multipart parts `source` and `target`.")
    timeout = services.settings.jobs.describe_timeout
    found, found_target = await asyncio.gather(
        _faces_of(services, principal.tenant_id, source, timeout),
        _faces_of(services, principal.tenant_id, target, timeout),
    )
    return await run_in_threadpool(services.faces.compare, found, found_target)


async def _faces_of(
    services: Services, tenant_id: str, upload: ImageInput, timeout: float
) -> list[QueryFace]:
    with upload.data:  # a spooled file goes once the upload is stored
        job_id = await run_in_threadpool(services.faces.submit, tenant_id, upload.data)
    wait = max(timeout, services.settings.jobs.describe_timeout)
    job, _ = await wait_for_job(services.library, services.events, job_id, wait)
    return await run_in_threadpool(services.faces.faces, job, wait)
