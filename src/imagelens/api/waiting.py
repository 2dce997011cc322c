"""Waiting, without holding a thread, for a job a worker finishes."""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool

from imagelens.api.container import Services
from imagelens.db.tables import Image, Job
from imagelens.errors import NotFound

_FINISHED = ("completed", "failed")


def _load(services: Services, job_id: str) -> tuple[Job, Image | None]:
    with services.db.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"No job {job_id}.")
        image = session.get(Image, job.image_id) if job.image_id else None
        return job, image


async def wait_for_job(services: Services, job_id: str, timeout: float) -> tuple[Job, Image | None]:
    """The job and its image once finished, or as they stand when ``timeout`` runs out."""
    future = services.waiters.register(job_id)  # before reading, so no finish is missed
    try:
        job, image = await run_in_threadpool(_load, services, job_id)
        if job.status in _FINISHED:
            return job, image
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            pass
    finally:
        services.waiters.discard(job_id, future)
    return await run_in_threadpool(_load, services, job_id)
