"""A request waiting on a job wakes on the finish event but answers only a finished job:
a runner also signals when it lost the job (its lease taken over), and the job then still
runs elsewhere. (Seen as a describe-image 504 "No answer within 120 s" in a 45 s run.)"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

from imagelens.jobs.waiters import JobWaiters
from imagelens.service.library import Library
from imagelens.service.waiting import wait_for_job


class _Jobs:
    """Reads back whatever status the test last set, counting the reads."""

    def __init__(self) -> None:
        self.status = "processing"
        self.reads = 0

    def job_and_image(self, job_id: str) -> tuple[Any, None]:
        self.reads += 1
        return SimpleNamespace(id=job_id, status=self.status), None


def test_an_event_for_an_unfinished_job_does_not_end_the_wait() -> None:
    async def scenario() -> tuple[str, int]:
        jobs, events = _Jobs(), JobWaiters()
        waiting = asyncio.create_task(
            wait_for_job(cast(Library, jobs), events, "j1", timeout=30, poll=30)
        )
        await asyncio.sleep(0.2)
        events.notify("j1")  # the first holder lost its lease: the job is still processing
        await asyncio.sleep(0.2)
        assert not waiting.done()
        jobs.status = "completed"
        events.notify("j1")  # the new holder finished it
        job, _ = await asyncio.wait_for(waiting, 5)
        return str(job.status), jobs.reads

    status, reads = asyncio.run(scenario())
    assert status == "completed"
    assert reads == 3  # once at the start, once per event: no polling in between


def test_the_wait_ends_at_the_deadline_with_the_job_as_it_stands() -> None:
    async def scenario() -> str:
        job, _ = await wait_for_job(
            cast(Library, _Jobs()), JobWaiters(), "j2", timeout=0.3, poll=0.1
        )
        return str(job.status)

    assert asyncio.run(scenario()) == "processing"
