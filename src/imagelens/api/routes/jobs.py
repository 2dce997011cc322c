"""GET /job/{id} and GET /sessions/{id}: the state of work in progress."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import Reader, ServicesDep
from imagelens.types.api import JobResponse, SessionStatus

router = APIRouter(tags=["jobs"])


@router.get("/job/{job_id}", response_model=JobResponse, operation_id="jobs-get")
async def job_status(job_id: str, principal: Reader, services: ServicesDep) -> JobResponse:
    """A job's state; finished jobs carry their results."""
    return await run_in_threadpool(services.library.job_status, principal.tenant_id, job_id)


@router.get("/sessions/{session_id}", response_model=SessionStatus, operation_id="sessions-get")
async def session_status(
    session_id: str, principal: Reader, services: ServicesDep
) -> SessionStatus:
    """A batch upload's progress and the results so far."""
    return await run_in_threadpool(services.library.session_status, principal.tenant_id, session_id)
