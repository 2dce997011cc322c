"""POST /images/analyze (waits up to `timeout`) and /images/analyze/async (202 at once)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import ServicesDep, Writer
from imagelens.api.submit import submit_image
from imagelens.service.views import analyze_view, poll_url
from imagelens.service.waiting import wait_for_job
from imagelens.types.api import AnalyzeResponse, AnalyzeSkipped, JobAccepted

router = APIRouter(prefix="/images", tags=["images"])


@router.post("/analyze", response_model=AnalyzeResponse, operation_id="images-analyze")
async def analyze(request: Request, principal: Writer, services: ServicesDep) -> AnalyzeResponse:
    """Analyse one image and wait up to `timeout` seconds for the result."""
    started = time.perf_counter()
    ingested, params = await submit_image(request, principal, services, waiting=True)
    if ingested.job_id is None:
        return AnalyzeSkipped(
            image_id=ingested.image.id,
            processing_time_ms=round((time.perf_counter() - started) * 1000, 1),
        )
    remaining = max(0.0, params.timeout - (time.perf_counter() - started))
    job, image = await wait_for_job(services.library, services.events, ingested.job_id, remaining)
    image = image or ingested.image
    now = await run_in_threadpool(services.library.faces_now, principal.tenant_id, [image.id])
    elapsed = (time.perf_counter() - started) * 1000
    return analyze_view(image, job, elapsed, faces_now=now.get(image.id))


@router.post(
    "/analyze/async",
    status_code=202,
    response_model=JobAccepted,
    operation_id="images-analyze_async",
)
async def analyze_async(request: Request, principal: Writer, services: ServicesDep) -> JSONResponse:
    """Queue one image; answer 202 with the job to poll."""
    # Header checks now, pixels in the worker: fast acceptance.
    ingested, _params = await submit_image(request, principal, services, decode=False)
    job_id = ingested.job_id
    if job_id is None:  # a duplicate: a job that is finished already, pointing at the original
        job_id = await run_in_threadpool(services.ingestor.record_skip, ingested.image)
    accepted = JobAccepted(job_id=job_id, poll_url=poll_url(job_id), image_id=ingested.image.id)
    return JSONResponse(accepted.model_dump(mode="json"), status_code=202)
