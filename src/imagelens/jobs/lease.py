"""Who holds a running job: an owner id per process, and how long a claim lasts unrenewed."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Lease:
    owner: str  # "host:pid:nonce": unique per process start
    seconds: float

    @classmethod
    def for_this_process(cls, seconds: float) -> Lease:
        return cls(f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}", seconds)


def owner_is_dead(owner: str) -> bool:
    """True when ``owner`` ran on this host and that process is gone (a restart after a
    crash takes its own jobs back at once instead of waiting for their leases to run out).
    Owners on other hosts are judged by their leases alone."""
    host, _, rest = owner.partition(":")
    pid_text, _, nonce = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():  # this pid, another start (pid reuse, e.g. pid 1 in a container)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return not nonce
