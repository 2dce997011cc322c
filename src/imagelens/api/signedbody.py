"""The body of a signed request: hashed as it arrives, kept for the route without being
held in memory, and handed back to it as if it had never been read.

A signature covers the body's sha256, so the body must be read before the route runs. It is
streamed into a temporary file (the first 1 MB in memory), hashed chunk by chunk, and the
request's ``receive`` is replaced by one that replays the file: a 400 MB signed upload costs
the API process a file, not 400 MB. Written by hand: Starlette caches a body it reads only
in memory (``Request.body()``), which is what this avoids.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import Message

CHUNK = 1024 * 1024


async def hash_and_keep(request: Request, directory: Path) -> str:
    """The sha256 (hex) of ``request``'s body, which the route can then read as usual."""
    directory.mkdir(parents=True, exist_ok=True)
    # An unnamed file past 1 MB (the system removes it when closed); closed by
    # :func:`release` once the request is answered.
    kept: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=CHUNK, mode="w+b", dir=str(directory))
    digest = hashlib.sha256()
    size = 0
    try:
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
            await run_in_threadpool(kept.write, chunk)
        kept.seek(0)
    except BaseException:
        kept.close()
        raise
    request.state.signed_body = kept
    sent = 0

    async def replay() -> Message:
        nonlocal sent
        chunk = await run_in_threadpool(kept.read, CHUNK)
        sent += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": sent < size}

    # Starlette reads the body through these two (Request.stream); no public way to put a
    # consumed body back exists.
    request._receive = replay
    request._stream_consumed = False
    return digest.hexdigest()


async def release(request: Request) -> AsyncIterator[None]:
    """A dependency whose exit closes the kept body, after the route has answered."""
    try:
        yield
    finally:
        kept: IO[bytes] | None = getattr(request.state, "signed_body", None)
        if kept is not None:
            kept.close()
