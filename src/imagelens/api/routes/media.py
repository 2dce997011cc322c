"""Per-image reads (content, thumbnail, analysis, text, similar) and describe-again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import Reader, ServicesDep, Writer
from imagelens.api.inputs import parse_params, read_json_object
from imagelens.service.views import poll_url
from imagelens.types.api import FileAnalysis, FileText, JobAccepted, SimilarImages

router = APIRouter(prefix="/files", tags=["files"])


@router.get("/{image_id}/content", operation_id="files-content")
async def content(image_id: str, principal: Reader, services: ServicesDep) -> Response:
    """The original bytes as uploaded (streamed: a large one is never held whole)."""
    stored = await run_in_threadpool(services.library.content, principal.tenant_id, image_id)
    if stored.size == len(stored.head):
        return Response(stored.head, media_type=stored.content_type)
    headers = {"Content-Length": str(stored.size)} if stored.size is not None else None

    def body() -> Iterator[bytes]:
        yield stored.head
        yield from stored.rest

    # A sync iterator: Starlette reads each chunk in a worker thread.
    return StreamingResponse(body(), media_type=stored.content_type, headers=headers)


@router.get("/{image_id}/thumbnail", operation_id="files-thumbnail")
async def thumbnail(image_id: str, principal: Reader, services: ServicesDep) -> Response:
    """A WebP at most 256 px on its longer side."""
    data = await run_in_threadpool(services.library.thumbnail, principal.tenant_id, image_id)
    return Response(data, media_type="image/webp")


@router.get("/{image_id}/analysis", response_model=FileAnalysis, operation_id="files-analysis")
async def analysis(image_id: str, principal: Reader, services: ServicesDep) -> FileAnalysis:
    """Everything the last analysis said: EXIF, tag scores, per-stage timings included."""
    return await run_in_threadpool(services.library.analysis, principal.tenant_id, image_id)


@router.get("/{image_id}/text", response_model=FileText, operation_id="files-text")
async def text(image_id: str, principal: Reader, services: ServicesDep) -> FileText:
    """The visible text and its regions (boxes normalised to 0-1)."""
    return await run_in_threadpool(services.library.text, principal.tenant_id, image_id)


@router.get("/{image_id}/similar", response_model=SimilarImages, operation_id="files-similar")
async def similar(
    image_id: str,
    principal: Reader,
    services: ServicesDep,
    max_distance: int = Query(default=10, ge=0, le=64),
    limit: int = Query(default=10, ge=1, le=100),
    mode: Literal["duplicate", "visual"] = "duplicate",
) -> SimilarImages:
    """`mode=duplicate` (default): images of this tenant whose perceptual hash is within
    `max_distance` bits (`distance`). `mode=visual`: the tenant's images that look most alike
    by the cosine similarity of their visual embeddings (`score`, best first)."""
    if mode == "visual":
        items = await run_in_threadpool(
            services.visual.neighbours, principal.tenant_id, image_id, limit
        )
        return SimilarImages(image_id=image_id, items=items)
    return await run_in_threadpool(
        services.library.similar, principal.tenant_id, image_id, max_distance, limit
    )


@router.post(
    "/{image_id}/describe",
    status_code=202,
    response_model=JobAccepted,
    operation_id="files-describe",
)
async def describe(
    image_id: str, request: Request, principal: Writer, services: ServicesDep
) -> JSONResponse:
    """Analyse a stored image again (optionally with another category, lang or prompt)."""
    raw: dict[str, object] = {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        raw = await read_json_object(request)
    elif content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        async with request.form() as form:
            raw = {k: v for k, v in form.items() if isinstance(v, str)}
    params = parse_params(raw)
    job_id = await run_in_threadpool(
        lambda: services.ingestor.reanalyze(
            tenant_id=principal.tenant_id, image_id=image_id, options=params.job_options()
        )
    )
    accepted = JobAccepted(job_id=job_id, poll_url=poll_url(job_id), image_id=image_id)
    return JSONResponse(accepted.model_dump(mode="json"), status_code=202)
