"""POST /images/analyze (waits up to `timeout`) and /images/analyze/async (202 at once)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import ServicesDep, Writer
from imagelens.api.inputs import read_image_request
from imagelens.api.waiting import wait_for_job
from imagelens.service.ingest import IngestRequest
from imagelens.service.views import analyze_view, poll_url
from imagelens.types.api import AnalyzeResponse, AnalyzeSkipped, JobAccepted

router = APIRouter(prefix="/images", tags=["images"])


@router.post("/analyze", response_model=AnalyzeResponse, operation_id="images-analyze")
async def analyze(request: Request, principal: Writer, services: ServicesDep) -> AnalyzeResponse:
    """Analyse one image and wait up to `timeout` seconds for the result."""
    started = time.perf_counter()
    image_input, params = await read_image_request(request, services.fetcher)
    ingested = await run_in_threadpool(
        services.ingestor.ingest,
        IngestRequest(
            tenant_id=principal.tenant_id,
            data=image_input.data,
            filename=image_input.filename,
            options=params.job_options(),
            skip_duplicates=params.skip_duplicates,
        ),
    )
    if ingested.job_id is None:
        return AnalyzeSkipped(
            image_id=ingested.image.id,
            processing_time_ms=round((time.perf_counter() - started) * 1000, 1),
        )
    job, image = await wait_for_job(services, ingested.job_id, params.timeout)
    return analyze_view(image or ingested.image, job, (time.perf_counter() - started) * 1000)


@router.post(
    "/analyze/async",
    status_code=202,
    response_model=JobAccepted,
    operation_id="images-analyze_async",
)
async def analyze_async(request: Request, principal: Writer, services: ServicesDep) -> JSONResponse:
    """Queue one image; answer 202 with the job to poll."""
    image_input, params = await read_image_request(request, services.fetcher)
    ingested = await run_in_threadpool(
        services.ingestor.ingest,
        IngestRequest(
            tenant_id=principal.tenant_id,
            data=image_input.data,
            filename=image_input.filename,
            options=params.job_options(),
            skip_duplicates=params.skip_duplicates,
            decode=False,  # header checks now, pixels in the worker: fast acceptance
        ),
    )
    job_id = ingested.job_id
    if job_id is None:  # a duplicate: a job that is finished already, pointing at the original
        job_id = await run_in_threadpool(services.ingestor.record_skip, ingested.image)
    accepted = JobAccepted(job_id=job_id, poll_url=poll_url(job_id), image_id=ingested.image.id)
    return JSONResponse(accepted.model_dump(mode="json"), status_code=202)
