"""The parts of direct uploads sent to this server (local storage): one directory per
upload under DATA_DIR/direct holding the file itself (``data``), each part written at its own
offset as the request streams in, so completing joins nothing and copies nothing.

A part that arrived whole leaves a marker whose name carries its ETag and size, so completing
checks the client's list against what arrived without reading anything; a part cut off leaves
no marker and is sent again. The ETag is a token new to each try of a part, not the MD5 of its
bytes (S3's): the whole file's sha256 checks the bytes, and an MD5 cost more CPU than the rest
of receiving a part.

The sha256 is taken while the upload is under way (:mod:`imagelens.storage.partdigest`), so
completing hashes at most what came last instead of re-reading the whole file. Blocking; call
off the event loop.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from imagelens.errors import ImageTooLarge, InsufficientStorage, InvalidInput
from imagelens.storage.partdigest import PartDigest, log_try

_PART = re.compile(r"part-(\d{5})-([0-9a-f]{32})-(\d+)")
DATA = "data"
_ID = re.compile(r"[0-9a-f-]{36}")
CHUNK = 1024 * 1024
_IOV_MAX = 512  # chunks in one pwritev (Linux takes 1024)


class LocalParts:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._digests: dict[str, PartDigest] = {}  # this process's running hashes, by upload
        self._lock = threading.Lock()

    def _dir(self, upload_id: str) -> Path:
        if not _ID.fullmatch(upload_id):  # ids are ours (uuid4), never a user's path
            raise ValueError(f"not an upload id: {upload_id!r}")
        return self.root / upload_id

    def _digest(self, upload_id: str) -> PartDigest:
        with self._lock:
            found = self._digests.get(upload_id)
            if found is None:
                # Uploads completed, aborted or swept by another process leave their entry
                # here: drop those whose directory is gone as new ones come.
                for gone in [u for u in self._digests if not self._dir(u).is_dir()]:
                    del self._digests[gone]
                found = self._digests[upload_id] = PartDigest(self._dir(upload_id) / DATA)
            return found

    def open_part(
        self, upload_id: str, part_number: int, offset: int, max_bytes: int
    ) -> PartWriter:
        """A writer for one part at ``offset`` (an earlier try of it is overwritten)."""
        directory = self._dir(upload_id)
        directory.mkdir(parents=True, exist_ok=True)
        self._digest(upload_id)

        def settle() -> None:
            # Runs after the part's answer: the upload may have been completed, aborted or
            # swept since, its digest dropped and its directory removed. Nothing to hash then.
            with self._lock:
                digest = self._digests.get(upload_id)
            if digest is None:
                return
            try:
                digest.advance(lambda: self.parts(upload_id))
            except FileNotFoundError:
                return

        return PartWriter(directory, part_number, offset, max_bytes, settle)

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

    def sha256(self, upload_id: str) -> str:
        """The sha256 of the parts that arrived, in order (call once all of them did);
        InvalidInput while a part is still being sent."""
        return self._digest(upload_id).finish(lambda: self.parts(upload_id))

    def data(self, upload_id: str) -> Path:
        """The file the parts were written into."""
        return self._dir(upload_id) / DATA

    def discard(self, upload_id: str) -> None:
        with self._lock:
            self._digests.pop(upload_id, None)
        shutil.rmtree(self._dir(upload_id), ignore_errors=True)


class PartWriter:
    """Write chunks as they come, then :meth:`commit` (always :meth:`close` afterwards)."""

    def __init__(
        self,
        directory: Path,
        part_number: int,
        offset: int,
        max_bytes: int,
        settle: Callable[[], None] = lambda: None,
    ) -> None:
        self.directory = directory
        self.part_number = part_number
        self.offset = offset
        self.max_bytes = max_bytes
        self.size = 0
        self._settle = settle
        try:  # logged before a byte is written: a hash taken of this part is now stale
            log_try(directory, part_number, opened=True)
        except OSError as exc:
            raise _disk_full(exc) from exc
        for old in directory.glob(f"part-{part_number:05d}-*"):
            old.unlink(missing_ok=True)  # an earlier try of this part is being replaced
        try:
            self._fd = os.open(directory / DATA, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError as exc:
            log_try(directory, part_number, opened=False)
            raise _disk_full(exc) from exc

    def write(self, chunk: bytes) -> None:
        self.write_all([chunk])

    def write_all(self, chunks: Sequence[bytes]) -> None:
        """Write ``chunks`` one after the other (one system call, no joining copy)."""
        total = sum(len(c) for c in chunks)
        if self.size + total > self.max_bytes:
            raise ImageTooLarge(
                f"Part {self.part_number} is over its {self.max_bytes} bytes.",
                details={"max_bytes": self.max_bytes},
            )
        if len(chunks) > _IOV_MAX:
            for start in range(0, len(chunks), _IOV_MAX):
                self.write_all(chunks[start : start + _IOV_MAX])
            return
        try:
            written = os.pwritev(self._fd, chunks, self.offset + self.size)
            self.size += written
            rest = memoryview(b"".join(chunks))[written:] if written < total else None
            while rest:  # a short write (rare on a disk file): the rest, one chunk at a time
                n = os.pwrite(self._fd, rest, self.offset + self.size)
                self.size += n
                rest = rest[n:]
        except OSError as exc:
            raise _disk_full(exc) from exc

    def commit(self) -> str:
        """Mark the part as arrived; its ETag."""
        if not self.size:
            raise InvalidInput(f"Part {self.part_number} is empty.")
        etag = secrets.token_hex(16)
        (self.directory / f"part-{self.part_number:05d}-{etag}-{self.size}").touch()
        return etag

    def close(self) -> None:
        os.close(self._fd)
        log_try(self.directory, self.part_number, opened=False)

    def settle(self) -> None:
        """After :meth:`close` (and after the part was answered): hash the parts now in
        order and flush them to disk, while the next parts arrive, so completing has neither
        left to do for all but the last."""
        self._settle()


def _disk_full(exc: OSError) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return InsufficientStorage("The server's disk is full (writing an upload part).")
    return exc
