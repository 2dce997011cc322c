"""The parts of direct uploads sent to this server (local storage): one directory per
upload under DATA_DIR/direct holding the file itself (``data``), each part written at its own
offset as the request streams in, so completing joins nothing and copies nothing.

A part that arrived whole leaves a marker whose name carries its ETag (the MD5 of its bytes,
as S3 answers) and size, so completing checks the client's list against what arrived without
reading anything; a part cut off leaves no marker and is sent again. Blocking; call off the
event loop.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
from pathlib import Path

from imagelens.errors import ImageTooLarge, InsufficientStorage, InvalidInput

_PART = re.compile(r"part-(\d{5})-([0-9a-f]{32})-(\d+)")
DATA = "data"
_ID = re.compile(r"[0-9a-f-]{36}")
CHUNK = 1024 * 1024


class LocalParts:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, upload_id: str) -> Path:
        if not _ID.fullmatch(upload_id):  # ids are ours (uuid4), never a user's path
            raise ValueError(f"not an upload id: {upload_id!r}")
        return self.root / upload_id

    def open_part(
        self, upload_id: str, part_number: int, offset: int, max_bytes: int
    ) -> PartWriter:
        """A writer for one part at ``offset`` (an earlier try of it is overwritten)."""
        directory = self._dir(upload_id)
        directory.mkdir(parents=True, exist_ok=True)
        return PartWriter(directory, part_number, offset, max_bytes)

    def parts(self, upload_id: str) -> dict[int, tuple[str, int]]:
        """The parts that arrived whole: number -> (etag, size)."""
        found: dict[int, tuple[str, int]] = {}
        directory = self._dir(upload_id)
        if not directory.is_dir():
            return found
        for path in directory.iterdir():
            match = _PART.fullmatch(path.name)
            if match:
                found[int(match.group(1))] = (match.group(2), int(match.group(3)))
        return found

    def data(self, upload_id: str) -> Path:
        """The file the parts were written into."""
        return self._dir(upload_id) / DATA

    def discard(self, upload_id: str) -> None:
        shutil.rmtree(self._dir(upload_id), ignore_errors=True)


class PartWriter:
    """Write chunks as they come, then :meth:`commit` (always :meth:`close` afterwards)."""

    def __init__(self, directory: Path, part_number: int, offset: int, max_bytes: int) -> None:
        self.directory = directory
        self.part_number = part_number
        self.offset = offset
        self.max_bytes = max_bytes
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        for old in directory.glob(f"part-{part_number:05d}-*"):
            old.unlink(missing_ok=True)  # an earlier try of this part is being replaced
        try:
            self._fd = os.open(directory / DATA, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError as exc:
            raise _disk_full(exc) from exc

    def write(self, chunk: bytes) -> None:
        if self.size + len(chunk) > self.max_bytes:
            raise ImageTooLarge(
                f"Part {self.part_number} is over its {self.max_bytes} bytes.",
                details={"max_bytes": self.max_bytes},
            )
        self._md5.update(chunk)
        view = memoryview(chunk)
        try:
            while view:
                written = os.pwrite(self._fd, view, self.offset + self.size)
                self.size += written
                view = view[written:]
        except OSError as exc:
            raise _disk_full(exc) from exc

    def commit(self) -> str:
        """Mark the part as arrived; its ETag."""
        if not self.size:
            raise InvalidInput(f"Part {self.part_number} is empty.")
        etag = self._md5.hexdigest()
        (self.directory / f"part-{self.part_number:05d}-{etag}-{self.size}").touch()
        return etag

    def close(self) -> None:
        os.close(self._fd)


def _disk_full(exc: OSError) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return InsufficientStorage("The server's disk is full (writing an upload part).")
    return exc
