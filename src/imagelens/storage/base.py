"""The storage seam. Keys are content-addressed, so the same bytes are stored once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable


class ObjectStore(Protocol):
    """A flat key -> bytes store; ``put`` is atomic (readers see all of an object or nothing).

    A full store raises :class:`imagelens.errors.InsufficientStorage`.
    """

    def check(self) -> None:
        """Raise unless the store can be used (called at start)."""
        ...

    def put(self, key: str, data: bytes) -> None:
        """Write the object, even when the key exists: how long a put takes must not tell a
        caller whether someone (another tenant) stored these bytes before."""
        ...

    def put_file(self, key: str, path: Path) -> None:
        """:meth:`put` from a file, streamed: the object is never held in memory whole."""
        ...

    def get(self, key: str, *, max_bytes: int) -> bytes:
        """The object's bytes; raises :class:`imagelens.errors.NotFound` if absent and
        :class:`imagelens.errors.StorageUnavailable` (naming the store) when it holds more
        than ``max_bytes``: no read from a store is unbounded."""
        ...

    def open(self, key: str, *, max_bytes: int) -> ObjectReader:
        """The object as chunks, read as they are consumed, never more than ``max_bytes``
        (refused before the first chunk when the store declares more)."""
        ...

    def exists(self, key: str) -> bool: ...

    def object_key(self, key: str) -> str:
        """The name ``key`` has inside the store (with the store's prefix, if any)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; absent objects are not an error."""
        ...


@runtime_checkable
class DirectStore(Protocol):
    """A store a client can send bytes to itself (presigned URLs: S3 and its kin)."""

    def size(self, key: str) -> int: ...

    def copy(self, source: str, key: str) -> None: ...

    def presign_put(self, key: str, expires: int) -> str: ...

    def start_multipart(self, key: str) -> str: ...

    def presign_part(self, key: str, upload_id: str, part_number: int, expires: int) -> str: ...

    def complete_multipart(
        self, key: str, upload_id: str, parts: list[tuple[int, str]]
    ) -> None: ...

    def abort_multipart(self, key: str, upload_id: str) -> None: ...


def original_key(content_hash: str) -> str:
    return f"originals/{content_hash[:2]}/{content_hash[2:4]}/{content_hash}"


def thumbnail_key(content_hash: str) -> str:
    return f"thumbnails/{content_hash[:2]}/{content_hash[2:4]}/{content_hash}.webp"


def upload_key(job_id: str) -> str:
    """An upload kept only until its job is done (describe-image)."""
    return f"uploads/{job_id}"


def direct_key(upload_id: str) -> str:
    """Where a direct upload's bytes land in a bucket until it is completed."""
    return f"direct/{upload_id}"


CHUNK = 256 * 1024


@dataclass
class ObjectReader:
    """An object being read: ``size`` as the store declared it (None if it did not); the
    chunks stop with StorageUnavailable past the bound; ``close`` releases the connection."""

    size: int | None
    chunks: Iterator[bytes]
    close: Callable[[], None]

    def read(self) -> bytes:
        """All of it (bounded like the chunks), then closed."""
        try:
            return b"".join(self.chunks)
        finally:
            self.close()


def bounded(
    chunks: Iterable[bytes], max_bytes: int, too_big: Callable[[], Exception]
) -> Iterator[bytes]:
    """``chunks`` until they add up to more than ``max_bytes``, then ``too_big()`` is raised."""
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > max_bytes:
            raise too_big()
        yield chunk
