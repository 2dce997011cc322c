"""The parts of direct uploads sent to this server (local storage): one directory per
upload under DATA_DIR/direct, one file per part, written as the request streams in.

A part is written beside its final name and renamed, so a part file is whole or absent; its
name carries its ETag (the MD5 of its bytes, as S3 answers), so completing checks the client's
list against what arrived without reading anything. Blocking; call off the event loop.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from imagelens.errors import ImageTooLarge, InsufficientStorage, InvalidInput

_PART = re.compile(r"part-(\d{5})-([0-9a-f]{32})")
_ID = re.compile(r"[0-9a-f-]{36}")
CHUNK = 1024 * 1024


class LocalParts:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, upload_id: str) -> Path:
        if not _ID.fullmatch(upload_id):  # ids are ours (uuid4), never a user's path
            raise ValueError(f"not an upload id: {upload_id!r}")
        return self.root / upload_id

    def open_part(self, upload_id: str, part_number: int, max_bytes: int) -> PartWriter:
        """A writer for one part (replacing an earlier try of the same part when committed)."""
        directory = self._dir(upload_id)
        directory.mkdir(parents=True, exist_ok=True)
        return PartWriter(directory, part_number, max_bytes)

    def parts(self, upload_id: str) -> dict[int, tuple[str, Path]]:
        """The parts that arrived: number -> (etag, file)."""
        found: dict[int, tuple[str, Path]] = {}
        directory = self._dir(upload_id)
        if not directory.is_dir():
            return found
        for path in directory.iterdir():
            match = _PART.fullmatch(path.name)
            if match:
                found[int(match.group(1))] = (match.group(2), path)
        return found

    def chunks(self, paths: list[Path]) -> Iterator[bytes]:
        """The parts' bytes in order, a chunk at a time."""
        for path in paths:
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    yield chunk

    def discard(self, upload_id: str) -> None:
        shutil.rmtree(self._dir(upload_id), ignore_errors=True)


class PartWriter:
    """Write chunks as they come, then :meth:`commit` (or :meth:`close` to drop them)."""

    def __init__(self, directory: Path, part_number: int, max_bytes: int) -> None:
        self.directory = directory
        self.part_number = part_number
        self.max_bytes = max_bytes
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        try:
            fd, name = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        except OSError as exc:
            raise _disk_full(exc) from exc
        self._tmp = Path(name)
        self._handle = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise ImageTooLarge(
                f"Part {self.part_number} is over its {self.max_bytes} bytes.",
                details={"max_bytes": self.max_bytes},
            )
        self._md5.update(chunk)
        try:
            self._handle.write(chunk)
        except OSError as exc:
            raise _disk_full(exc) from exc

    def commit(self) -> str:
        """Keep the part under its final name; its ETag."""
        if not self.size:
            raise InvalidInput(f"Part {self.part_number} is empty.")
        etag = self._md5.hexdigest()
        self._handle.close()
        for old in self.directory.glob(f"part-{self.part_number:05d}-*"):
            old.unlink(missing_ok=True)  # an earlier try of this part
        os.replace(self._tmp, self.directory / f"part-{self.part_number:05d}-{etag}")
        return etag

    def close(self) -> None:
        """Drop what was written unless committed."""
        self._handle.close()
        self._tmp.unlink(missing_ok=True)


def _disk_full(exc: OSError) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return InsufficientStorage("The server's disk is full (writing an upload part).")
    return exc
