"""Originals between a Body and a store: written streamed from a spooled upload, and read
back for analysis small ones in memory, big ones (videos, long documents) spooled to a file
as they are read, so no process holds a 500 MB object."""

from __future__ import annotations

from pathlib import Path

from imagelens.intake import DecodedImage, Decoder
from imagelens.intake.body import Body
from imagelens.storage import ObjectStore

# Up to this size an object is read into memory (one read, no disk round trip).
IN_MEMORY_BYTES = 16 * 1024 * 1024


def store_body(store: ObjectStore, key: str, body: Body) -> None:
    """Put ``body`` under ``key``: a spooled one copied from its file, never read whole."""
    if body.path is not None:
        store.put_file(key, body.path)
    else:
        store.put(key, body.read())


def read_original(
    store: ObjectStore, key: str, *, max_bytes: int, spool: Path | None = None
) -> Body:
    """The object under ``key``, never more than ``max_bytes``; close the Body when done."""
    if max_bytes <= IN_MEMORY_BYTES:
        return Body.of(store.get(key, max_bytes=max_bytes))
    reader = store.open(key, max_bytes=max_bytes)
    try:
        if reader.size is not None and reader.size <= IN_MEMORY_BYTES:
            return Body.of(b"".join(reader.chunks))
        return Body.spool_chunks(reader.chunks, spool, max_bytes)
    finally:
        reader.close()


def decode_stored(
    decoder: Decoder,
    store: ObjectStore,
    key: str,
    *,
    max_bytes: int,
    spool: Path | None = None,
) -> DecodedImage:
    """Read the object under ``key`` (bounded) and decode it; a spooled copy is removed."""
    with read_original(store, key, max_bytes=max_bytes, spool=spool) as body:
        return decoder.decode(body)
