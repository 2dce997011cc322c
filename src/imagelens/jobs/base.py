"""The queue seam: the API submits job ids; a queue makes sure each one runs."""

from __future__ import annotations

from typing import Protocol


class JobQueue(Protocol):
    def start(self) -> int:
        """Resume the jobs a previous process left unfinished; return how many."""
        ...

    def submit(self, job_id: str) -> None:
        """Run the (already persisted, ``queued``) job soon."""
        ...

    def stop(self) -> None:
        """Stop taking work; queued jobs stay queued in the database for the next start."""
        ...
