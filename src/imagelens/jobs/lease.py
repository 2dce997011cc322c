"""Who holds a running job: an owner id per process, and how long a claim lasts unrenewed."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

# The owners this process has started (one per job queue or worker): alive while it runs. A
# sweep must never take back the jobs this process is running itself, and the pid alone
# cannot say so (an earlier start with the same pid, e.g. pid 1 in a container, is dead).
# (A process forked after building one would take its parent's owners for alive and leave
# their jobs to lease expiry; Celery workers run threads, not forks: jobs/worker.py.)
_STARTED_HERE: set[str] = set()


@dataclass(frozen=True)
class Lease:
    owner: str  # "host:pid:nonce": unique per process start
    seconds: float

    @classmethod
    def for_this_process(cls, seconds: float) -> Lease:
        lease = cls(f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}", seconds)
        _STARTED_HERE.add(lease.owner)
        return lease


def owner_is_dead(owner: str) -> bool:
    """True when ``owner`` ran on this host and that process is gone (a restart after a
    crash takes its own jobs back at once instead of waiting for their leases to run out).
    Owners on other hosts are judged by their leases alone; an owner this process started
    is alive."""
    if owner in _STARTED_HERE:
        return False
    host, _, rest = owner.partition(":")
    pid_text, _, nonce = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():  # this pid, an earlier start (pid reuse, e.g. pid 1 in a container)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return not nonce
