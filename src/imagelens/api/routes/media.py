"""Per-image reads (content, thumbnail, text, similar) and describe-again."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from imagelens.api.container import Services
from imagelens.api.deps import Reader, ServicesDep, Writer
from imagelens.api.inputs import parse_params, read_json_object
from imagelens.api.routes.files import load_image
from imagelens.db.tables import Image
from imagelens.intake import make_thumbnail
from imagelens.intake.hashes import hamming_distance
from imagelens.service.views import poll_url
from imagelens.storage import thumbnail_key
from imagelens.types import AnalysisResult
from imagelens.types.api import FileText, JobAccepted, SimilarImage, SimilarImages

router = APIRouter(prefix="/files", tags=["files"])


@router.get("/{image_id}/content", operation_id="files-content")
async def content(image_id: str, principal: Reader, services: ServicesDep) -> Response:
    """The original bytes as uploaded."""
    image = await run_in_threadpool(load_image, services, principal.tenant_id, image_id)
    data = await run_in_threadpool(services.store.get, image.storage_key)
    return Response(data, media_type=image.content_type)


def _thumbnail(services: Services, image: Image) -> bytes:
    key = thumbnail_key(image.content_hash)
    if not services.store.exists(key):  # not analysed yet: make it now
        decoded = services.decoder.decode(services.store.get(image.storage_key))
        services.store.put(key, make_thumbnail(decoded.image))
    return services.store.get(key)


@router.get("/{image_id}/thumbnail", operation_id="files-thumbnail")
async def thumbnail(image_id: str, principal: Reader, services: ServicesDep) -> Response:
    """A WebP at most 256 px on its longer side."""
    image = await run_in_threadpool(load_image, services, principal.tenant_id, image_id)
    data = await run_in_threadpool(_thumbnail, services, image)
    return Response(data, media_type="image/webp")


@router.get("/{image_id}/text", response_model=FileText, operation_id="files-text")
async def text(image_id: str, principal: Reader, services: ServicesDep) -> FileText:
    """The visible text and its regions (boxes normalised to 0-1)."""
    image = await run_in_threadpool(load_image, services, principal.tenant_id, image_id)
    result = AnalysisResult.model_validate(image.result) if image.result else None
    return FileText(
        image_id=image.id,
        visible_text=image.visible_text,
        text_regions=result.text_regions if result else [],
    )


def _similar(
    services: Services, tenant_id: str, image_id: str, max_distance: int, limit: int
) -> SimilarImages:
    target = load_image(services, tenant_id, image_id)
    with services.db.session() as session:
        rows = session.execute(
            select(Image.id, Image.filename, Image.perceptual_hash).where(
                Image.tenant_id == tenant_id, Image.id != image_id
            )
        ).all()
        # A linear scan of 64-bit hashes: ~1 µs each, fine for one tenant's library.
        scored = [
            (hamming_distance(target.perceptual_hash, phash), i, name)
            for i, name, phash in rows
            if phash and target.perceptual_hash
        ]
    matches = sorted(s for s in scored if s[0] <= max_distance)[:limit]
    return SimilarImages(
        image_id=image_id,
        items=[
            SimilarImage(
                image_id=i,
                filename=name,
                distance=d,
                thumbnail_url=f"/api/v2/files/{i}/thumbnail",
            )
            for d, i, name in matches
        ],
    )


@router.get("/{image_id}/similar", response_model=SimilarImages, operation_id="files-similar")
async def similar(
    image_id: str,
    principal: Reader,
    services: ServicesDep,
    max_distance: int = Query(default=10, ge=0, le=64),
    limit: int = Query(default=10, ge=1, le=100),
) -> SimilarImages:
    """Images of this tenant whose perceptual hash is within `max_distance` bits."""
    return await run_in_threadpool(
        _similar, services, principal.tenant_id, image_id, max_distance, limit
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
