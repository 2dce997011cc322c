"""GET /job/{id} and GET /sessions/{id}: the state of work in progress."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from imagelens.api.container import Services
from imagelens.api.deps import Reader, ServicesDep
from imagelens.db.jobs import get_job, get_session, session_images
from imagelens.db.tables import Image
from imagelens.errors import NotFound
from imagelens.service.views import batch_job_view, image_job_view, session_view
from imagelens.types.api import JobResponse, SessionStatus

router = APIRouter(tags=["jobs"])


def _job(services: Services, tenant_id: str, job_id: str) -> JobResponse:
    with services.db.session() as session:
        job = get_job(session=session, tenant_id=tenant_id, job_id=job_id)
        if job is None:
            raise NotFound(f"No job {job_id}.")
        if job.job_type == "batch" and job.session_id:
            upload = get_session(session=session, tenant_id=tenant_id, session_id=job.session_id)
            if upload is None:
                raise NotFound(f"No job {job_id}.")
            images = session_images(session=session, session_id=upload.id)
            return batch_job_view(job, upload, images)
        image = session.get(Image, job.image_id) if job.image_id else None
        return image_job_view(job, image)


@router.get("/job/{job_id}", response_model=JobResponse, operation_id="jobs-get")
async def job_status(job_id: str, principal: Reader, services: ServicesDep) -> JobResponse:
    """A job's state; finished jobs carry their results."""
    return await run_in_threadpool(_job, services, principal.tenant_id, job_id)


def _session(services: Services, tenant_id: str, session_id: str) -> SessionStatus:
    with services.db.session() as session:
        upload = get_session(session=session, tenant_id=tenant_id, session_id=session_id)
        if upload is None:
            raise NotFound(f"No session {session_id}.")
        return session_view(upload, session_images(session=session, session_id=session_id))


@router.get("/sessions/{session_id}", response_model=SessionStatus, operation_id="sessions-get")
async def session_status(
    session_id: str, principal: Reader, services: ServicesDep
) -> SessionStatus:
    """A batch upload's progress and the results so far."""
    return await run_in_threadpool(_session, services, principal.tenant_id, session_id)
