"""The storage seam. Keys are content-addressed, so the same bytes are stored once."""

from __future__ import annotations

from typing import Protocol


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

    def get(self, key: str) -> bytes:
        """The object's bytes; raises :class:`imagelens.errors.NotFound` if absent."""
        ...

    def exists(self, key: str) -> bool: ...

    def object_key(self, key: str) -> str:
        """The name ``key`` has inside the store (with the store's prefix, if any)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; absent objects are not an error."""
        ...


def original_key(content_hash: str) -> str:
    return f"originals/{content_hash[:2]}/{content_hash[2:4]}/{content_hash}"


def thumbnail_key(content_hash: str) -> str:
    return f"thumbnails/{content_hash[:2]}/{content_hash[2:4]}/{content_hash}.webp"


def upload_key(job_id: str) -> str:
    """An upload kept only until its job is done (describe-image)."""
    return f"uploads/{job_id}"
