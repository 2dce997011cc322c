"""POST /search/image: the library's images that look most like an uploaded one.

The query image is never stored as an image: it goes to a worker as a search-by-image job
(service/similar.py), which hands back its visual embedding and drops the upload.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import Reader, ServicesDep
from imagelens.api.inputs import read_image_request
from imagelens.api.submit import spool
from imagelens.service.waiting import wait_for_job
from imagelens.types.api import SearchResults

router = APIRouter(prefix="/search", tags=["search"])


@router.post("/image", response_model=SearchResults, operation_id="search-image")
async def search_by_image(
    request: Request,
    principal: Reader,
    services: ServicesDep,
    limit: int = Query(default=20, ge=1, le=100),
) -> SearchResults:
    """The tenant's images closest to the sent one (multipart `file`, or JSON `url` or
    `base64`, as for analyze), by cosine similarity of their visual embeddings (`score`)."""
    upload, params = await read_image_request(request, services.fetcher, spool(services))
    with upload.data:  # a spooled file goes once the upload is stored
        job_id = await run_in_threadpool(services.visual.submit, principal.tenant_id, upload.data)
    timeout = max(params.timeout, services.settings.jobs.describe_timeout)
    job, _ = await wait_for_job(services.library, services.events, job_id, timeout)
    return await run_in_threadpool(
        services.visual.results, principal.tenant_id, job, limit, timeout
    )
