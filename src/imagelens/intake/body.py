"""An upload's bytes: in memory when small (base64, a fetched URL), else spooled to a file.

A multipart upload is copied from the request's spooled part into a file of our own in
chunks, hashed on the way, so a 400 MB video never sits in the API process's memory: the
decoder opens the file, the store copies it, and only the first few KB are ever read whole
(to tell the type). Blocking; call off the event loop.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from imagelens.errors import ImageTooLarge, InsufficientStorage

CHUNK = 1024 * 1024
HEAD = 4096  # enough to tell every format we take (sniff looks at most at the first 1 KB)


class Body:
    """The bytes of one upload, their size and sha256. ``close()`` removes a spooled file."""

    def __init__(
        self, *, size: int, sha256: str, head: bytes, data: bytes | None, path: Path | None
    ) -> None:
        self.size = size
        self.sha256 = sha256
        self.head = head
        self._data = data
        self.path = path

    @classmethod
    def of(cls, data: bytes) -> Body:
        """Bytes already in memory (a fetched URL, decoded base64, a stored original)."""
        return cls(
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            head=data[:HEAD],
            data=data,
            path=None,
        )

    @classmethod
    def of_file(cls, path: Path, sha256: str | None = None) -> Body:
        """A file that is already ours (a direct upload's parts), hashed where it lies unless
        its ``sha256`` was taken as it was written; ``close()`` removes it."""
        with path.open("rb") as handle:
            head = handle.read(HEAD)
            if sha256 is not None:
                return cls(
                    size=os.fstat(handle.fileno()).st_size,
                    sha256=sha256,
                    head=head,
                    data=None,
                    path=path,
                )
            digest = hashlib.sha256()
            size = 0
            handle.seek(0)
            while chunk := handle.read(CHUNK):
                size += len(chunk)
                digest.update(chunk)
        return cls(size=size, sha256=digest.hexdigest(), head=head, data=None, path=path)

    @classmethod
    def spool(cls, source: BinaryIO, directory: Path | None, max_bytes: int) -> Body:
        """Copy ``source`` to a new file in ``directory`` (the system's temp dir if None),
        hashing as it goes; ImageTooLarge as soon as it passes ``max_bytes``."""
        return cls.spool_chunks(iter(lambda: source.read(CHUNK), b""), directory, max_bytes)

    @classmethod
    def spool_chunks(cls, chunks: Iterable[bytes], directory: Path | None, max_bytes: int) -> Body:
        """:meth:`spool` from chunks as they come (a stored object being read)."""
        try:
            return cls._spool(chunks, directory, max_bytes)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise InsufficientStorage(
                    "The server's disk is full (spooling the upload); retry once space is freed."
                ) from exc
            raise

    @classmethod
    def _spool(cls, chunks: Iterable[bytes], directory: Path | None, max_bytes: int) -> Body:
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix="upload-")
        path = Path(name)
        digest = hashlib.sha256()
        head = b""
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise ImageTooLarge(
                            f"The file is over the limit of {max_bytes / (1024 * 1024):.1f} MB.",
                            details={"max_bytes": max_bytes},
                        )
                    if len(head) < HEAD:
                        head += chunk[: HEAD - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return cls(size=size, sha256=digest.hexdigest(), head=head, data=None, path=path)

    @property
    def in_memory(self) -> bool:
        return self._data is not None

    def open(self) -> BinaryIO:
        """A new reader positioned at the start (close it when done)."""
        if self._data is not None:
            return io.BytesIO(self._data)  # shares the bytes until written to: no copy
        assert self.path is not None
        return self.path.open("rb")

    def read(self) -> bytes:
        """All of it, for the formats whose decoders need the bytes (bounded by their limits)."""
        if self._data is not None:
            return self._data
        assert self.path is not None
        return self.path.read_bytes()

    def close(self) -> None:
        """Remove the spooled file (in-memory bodies have nothing to release)."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> Body:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def as_body(data: bytes | Body) -> Body:
    return data if isinstance(data, Body) else Body.of(data)


def sweep_spool(directory: Path, older_than: float = 3600.0) -> int:
    """Remove spooled uploads a crashed process left behind (older than ``older_than``
    seconds, so another process's upload in flight is never touched); how many went."""
    removed = 0
    cutoff = time.time() - older_than
    for path in directory.glob("upload-*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
