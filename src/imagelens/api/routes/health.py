"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import Operator, ServicesDep

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="ops-healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="ops-readyz")
async def readyz(services: ServicesDep) -> JSONResponse:
    """The database answers and the models are loaded (503 otherwise)."""
    database = "ok"
    try:
        await run_in_threadpool(services.db.ping)
    except Exception as exc:  # any driver error means not ready; say which
        database = f"error: {type(exc).__name__}"
    models = "loaded" if services.ready else "loading"
    ready = database == "ok" and services.ready
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "database": database, "models": models},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", operation_id="ops-metrics")
async def metrics(_principal: Operator, services: ServicesDep) -> Response:
    """Prometheus text format, server-wide (needs an operator key as a bearer token)."""
    body = await run_in_threadpool(generate_latest, services.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
