"""Waiting, without holding a thread, for a job a worker finishes."""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool

from imagelens.db.tables import Image, Job
from imagelens.jobs import JobWaiters
from imagelens.service.library import Library
from imagelens.types import JobStatus


async def wait_for_job(
    library: Library, waiters: JobWaiters, job_id: str, timeout: float
) -> tuple[Job, Image | None]:
    """The job and its image once finished, or as they stand when ``timeout`` runs out."""
    future = waiters.register(job_id)  # before reading, so no finish is missed
    try:
        job, image = await run_in_threadpool(library.job_and_image, job_id)
        if JobStatus(job.status).finished:
            return job, image
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            pass
    finally:
        waiters.discard(job_id, future)
    return await run_in_threadpool(library.job_and_image, job_id)
