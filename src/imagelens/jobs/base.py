"""The queue seam: the API submits job ids; a queue makes sure each one runs."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from imagelens.intake import DecodedImage


class Runner(Protocol):
    """What a queue's workers call for each job (:class:`imagelens.jobs.JobRunner`)."""

    def run(self, job_id: str, image: DecodedImage | None = None) -> bool | None:
        """Run the job if it is still queued; never raises. True: handed back (stopping)."""
        ...

    def interrupt(self) -> None:
        """The process is stopping: running jobs hand themselves back at their next check."""
        ...

    def hand_back(self, job_ids: Collection[str]) -> None:
        """Return these running jobs to the queue (a stop that could not wait for them)."""
        ...


class JobQueue(Protocol):
    def start(self) -> int:
        """Resume the jobs a previous process left unfinished; return how many."""
        ...

    def submit(
        self, job_id: str, image: DecodedImage | None = None, *, waiting: bool = False
    ) -> None:
        """Run the (already persisted, ``queued``) job soon.

        ``image`` is the upload already decoded by intake: a hint that spares the worker a
        second decode. A queue may drop it (a remote worker decodes the stored original).
        ``waiting``: a caller waits for the answer (a synchronous analyze, describe-image);
        the job runs at full CPU priority, background jobs niced (``engine.nice``).
        """
        ...

    def interrupt(self) -> None:
        """Begin a graceful stop (SIGTERM): take no new work; running jobs finish their
        current page or frame and go back to the queue. Returns at once."""
        ...

    def stop(self) -> None:
        """Stop taking work; queued jobs stay queued in the database for the next start, and
        running ones are handed back within a bounded time."""
        ...
