"""Waiting, without holding a thread, for a job a worker finishes."""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool

from imagelens.db.tables import Image, Job
from imagelens.jobs.events import JobEvents
from imagelens.service.library import Library
from imagelens.types import JobStatus


async def wait_for_job(
    library: Library, events: JobEvents, job_id: str, timeout: float, poll: float = 2.0
) -> tuple[Job, Image | None]:
    """The job and its image once finished, or as they stand when ``timeout`` runs out.

    Woken by the finish event; the job is also re-read every ``poll`` seconds, in case an
    event was lost (a Redis hiccup, a worker that died after saving). An event is only a
    reason to look: a runner also signals when it lost the job (its lease taken over, the
    job handed back at shutdown), and the job is then still running elsewhere, so the wait
    goes on until the job reads back finished or the deadline passes.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        future = events.register(job_id)  # before reading, so no finish is missed
        try:
            job, image = await run_in_threadpool(library.job_and_image, job_id)
            remaining = deadline - loop.time()
            if JobStatus(job.status).finished or remaining <= 0:
                return job, image
            try:
                await asyncio.wait_for(asyncio.shield(future), min(remaining, poll))
            except TimeoutError:
                pass
        finally:
            events.discard(job_id, future)
