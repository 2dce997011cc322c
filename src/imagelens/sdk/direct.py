"""Direct uploads from the SDK: announce the file, PUT its parts straight to storage
(concurrently, each retried on its own), complete. A file is read a chunk at a time, never
whole; ``on_progress(sent, total)`` hears each chunk that went out."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx

from imagelens.retry import retry_delay
from imagelens.sdk._core import RETRY_STATUSES, Core, parse_retry_after
from imagelens.sdk.errors import ImageLensAPIError, error_for_status

API = "/api/v2"
# Files above this go direct (the API process never holds them); below, /files/upload.
DIRECT_THRESHOLD = 32 * 1024 * 1024
CONCURRENCY = 4  # parts in flight at once
_CHUNK = 1024 * 1024

Progress = Callable[[int, int], None]


class _Source:
    """Bytes or a file, read by range."""

    def __init__(self, source: bytes | Path) -> None:
        self.data = source if isinstance(source, bytes) else None
        self.path = source if isinstance(source, Path) else None
        self.size = len(source) if isinstance(source, bytes) else source.stat().st_size

    async def chunks(
        self, start: int, end: int, sent: Callable[[int], None]
    ) -> AsyncIterator[bytes]:
        fd = os.open(self.path, os.O_RDONLY) if self.path is not None else -1
        try:
            offset = start
            while offset < end:
                n = min(_CHUNK, end - offset)
                if self.data is not None:
                    chunk = self.data[offset : offset + n]
                else:
                    chunk = await asyncio.to_thread(os.pread, fd, n, offset)
                offset += len(chunk)
                yield chunk
                sent(len(chunk))
        finally:
            if fd >= 0:
                os.close(fd)


async def direct_upload(
    core: Core,
    source: bytes | Path,
    *,
    filename: str,
    fields: dict[str, Any],
    timeout: float,
    on_progress: Progress | None = None,
) -> bytes:
    """Upload ``source`` directly; the complete call's answer (an UploadResult's JSON)."""
    data = _Source(source)
    created = (
        await core.request(
            "POST", f"{API}/files/uploads", json={"filename": filename, "size": data.size} | fields
        )
    ).json()
    upload_id = created["upload_id"]
    done = 0

    def sent(n: int) -> None:
        nonlocal done
        done += n
        if on_progress is not None:
            on_progress(done, data.size)

    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(60, read=300)) as http:
            if created["method"] == "put":
                await _put(core, http, created["url"], data, 0, data.size, sent)
                body: dict[str, Any] = {"timeout": timeout}
            else:
                size = created["part_size"]
                gate = asyncio.Semaphore(CONCURRENCY)

                async def one(part: dict[str, Any]) -> dict[str, Any]:
                    n = part["part_number"]
                    start, end = (n - 1) * size, min(n * size, data.size)
                    async with gate:
                        etag = await _put(core, http, part["url"], data, start, end, sent)
                    return {"part_number": n, "etag": etag}

                parts = await asyncio.gather(*(one(p) for p in created["parts"]))
                body = {"parts": parts, "timeout": timeout}
    except BaseException:
        try:  # what was sent goes now rather than at expiry
            await core.request("DELETE", f"{API}/files/uploads/{upload_id}")
        except ImageLensAPIError:
            pass
        raise
    response = await core.request(
        "POST", f"{API}/files/uploads/{upload_id}/complete", json=body, timeout=timeout + 60
    )
    return response.content


async def _put(
    core: Core,
    http: httpx.AsyncClient,
    url: str,
    data: _Source,
    start: int,
    end: int,
    sent: Callable[[int], None],
) -> str:
    """PUT bytes ``start:end`` to a presigned URL, retried like every SDK request; its ETag.
    A retried part's progress is taken back first."""
    attempt = 0
    while True:
        counted = 0

        def count(n: int) -> None:
            nonlocal counted
            counted += n
            sent(n)

        retry_after: float | None = None
        try:
            response = await http.put(
                url,
                content=data.chunks(start, end, count),
                headers={"Content-Length": str(end - start)},  # S3 takes no chunked body
            )
        except httpx.TransportError as exc:
            error = ImageLensAPIError(f"Sending a part failed: {exc}", code="connection_error")
        else:
            if response.status_code < 400:
                return str(response.headers.get("etag", ""))
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            error = error_for_status(response.status_code, _body(response), retry_after)
            if response.status_code not in RETRY_STATUSES:
                raise error
        sent(-counted)
        if attempt >= core.max_retries:
            raise error
        await asyncio.sleep(retry_delay(attempt, retry_after))
        attempt += 1


def _body(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:  # S3 answers XML
        return {"error": {"code": "storage_error", "message": response.text[:500]}}
