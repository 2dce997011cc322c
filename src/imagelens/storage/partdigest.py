"""The sha256 of a local direct upload, taken while its parts arrive.

After a part is answered, the parts that arrived in order from the start (and any answered
meanwhile) are hashed from the file (the page cache: just written) and flushed to disk, so
completing hashes and syncs only what the running hash has not reached: the last part or two.

Parts arrive concurrently and can be sent again, from any API process, so every try of a part
logs its opening and closing in the upload's ``tries`` file (small appends, atomic): a part is
hashed only while no try of it is open, and at completion the running hash is kept only if
every part it covered still has the ETag it had and no new try of it opened since; otherwise
the file is hashed again from the start. A part still being sent at completion is refused
(its bytes could change under the hash). The running hash lives in this process's memory: a
completion in another process hashes the whole file. Blocking.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from imagelens.errors import InvalidInput

TRIES = "tries"
_READ = 1024 * 1024

Arrived = Callable[[], dict[int, tuple[str, int]]]  # number -> (etag, size), read from disk


def log_try(directory: Path, part_number: int, *, opened: bool) -> None:
    """Record that a try of ``part_number`` opened (before its first byte) or closed."""
    fd = os.open(directory / TRIES, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{'o' if opened else 'c'} {part_number}\n".encode())
    finally:
        os.close(fd)


def _tries(directory: Path) -> tuple[Counter[int], Counter[int]]:
    """How many tries of each part opened, and how many closed."""
    opened: Counter[int] = Counter()
    closed: Counter[int] = Counter()
    try:
        lines = (directory / TRIES).read_text().splitlines()
    except FileNotFoundError:
        return opened, closed
    for line in lines:
        kind, _, number = line.partition(" ")
        if number.isdigit():
            (opened if kind == "o" else closed)[int(number)] += 1
    return opened, closed


class PartDigest:
    """The running sha256 of one upload's ``data`` file, part after part."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.sha = hashlib.sha256()
        self.offset = 0
        self.next = 1  # the first part not hashed yet
        self.covered: dict[int, tuple[str, int]] = {}  # part -> (etag, tries opened) hashed

    def advance(self, arrived: Arrived) -> None:
        """Hash the parts now in order, and those that arrive meanwhile; skipped while
        another thread is at it (completion hashes whatever is left)."""
        if not self.lock.acquire(blocking=False):
            return
        hashed = False
        try:
            while self._advance(arrived(), *_tries(self.data.parent)):
                hashed = True  # parts answered while this one was hashed: theirs too
        finally:
            self.lock.release()
        if hashed:
            _flush(self.data)

    def finish(self, arrived: Arrived) -> str:
        """The sha256 of every part that arrived (the caller checked that all did)."""
        with self.lock:
            opened, closed = _tries(self.data.parent)
            busy = sorted(n for n in opened if opened[n] != closed[n])
            if busy:
                raise InvalidInput(
                    f"Part {busy[0]} was still being sent: an upload completes once, after "
                    "every part's PUT has been answered. Start a new upload.",
                    details={"parts_in_flight": busy[:100]},
                )
            parts = arrived()
            if any(
                parts.get(n, ("", 0))[0] != etag or opened[n] != tries
                for n, (etag, tries) in self.covered.items()
            ):
                self._reset()  # a hashed part was sent again: its bytes may differ
            self._advance(parts, opened, closed)
            if _tries(self.data.parent)[0] != opened:  # a try opened meanwhile
                raise InvalidInput("A part was sent again while the upload was completed.")
            return self.sha.hexdigest()

    def _advance(
        self, parts: dict[int, tuple[str, int]], opened: Counter[int], closed: Counter[int]
    ) -> bool:
        """Hash the parts in order from :attr:`next`; whether any was."""
        if self.next not in parts:
            return False
        start = self.next
        fd = os.open(self.data, os.O_RDONLY)
        try:
            while self.next in parts and opened[self.next] == closed[self.next]:
                etag, size = parts[self.next]
                end = self.offset + size
                while self.offset < end:
                    chunk = os.pread(fd, min(_READ, end - self.offset), self.offset)
                    if not chunk:
                        raise InvalidInput(f"Part {self.next} is shorter than it was.")
                    self.sha.update(chunk)
                    self.offset += len(chunk)
                self.covered[self.next] = (etag, opened[self.next])
                self.next += 1
        except BaseException:
            self._reset()  # half a part hashed: start again next time
            raise
        finally:
            os.close(fd)
        return self.next > start


def _flush(data: Path) -> None:
    """Write what arrived so far to disk, so the fsync that stores the file at completion
    waits only for the last parts."""
    fd = os.open(data, os.O_RDONLY)
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)
