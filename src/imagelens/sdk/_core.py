"""The request loop every resource goes through: auth, retries with backoff, typed errors."""

from __future__ import annotations

import asyncio
import email.utils
import os
import time
from collections.abc import Generator, Mapping, Sequence

import httpx

from imagelens.retry import retry_delay
from imagelens.sdk.errors import (
    ConnectionError,
    ImageLensAPIError,
    RateLimitError,
    TimeoutError,
    error_for_status,
)
from imagelens.signature import key_id_of, signed_headers

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# Statuses worth another try: the request may succeed unchanged a moment later.
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})

FileParts = Sequence[tuple[str, tuple[str, bytes]]]


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds or as an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())


class RequestSigner(httpx.Auth):
    """Signs every request with a key's secret (imagelens.signature): the key itself is
    never sent. httpx hands the auth flow the finished body, multipart included, and runs it
    for every send, so each request and each retry gets its own timestamp and random nonce
    (the server accepts a nonce once)."""

    requires_request_body = True

    def __init__(self, secret: str) -> None:
        key_id_of(secret)  # fail now, not at the first request
        self.secret = secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        target = request.url.raw_path.decode("ascii")
        request.headers.update(
            signed_headers(self.secret, int(time.time()), request.method, target, request.content)
        )
        yield request


class Core:
    """One httpx.AsyncClient with the key (or a signing secret), the base URL and the retry
    policy."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        transport: httpx.AsyncBaseTransport | None = None,
        secret: str | None = None,
    ) -> None:
        secret = secret or os.environ.get("IMAGELENS_SIGNING_SECRET")
        key = api_key or os.environ.get("IMAGELENS_API_KEY")
        if not key and not secret:
            raise ImageLensAPIError(
                "No API key: pass api_key= (or secret= to sign requests) or set IMAGELENS_API_KEY.",
                code="missing_api_key",
            )
        headers = {"User-Agent": "imagelens-sdk/1"}
        if not secret:
            headers["Authorization"] = f"Bearer {key}"
        self.base_url = base_url or os.environ.get("IMAGELENS_BASE_URL") or DEFAULT_BASE_URL
        self.max_retries = max_retries
        self.http = httpx.AsyncClient(
            base_url=self.base_url.rstrip("/"),
            headers=headers,
            timeout=timeout,
            transport=transport,
            auth=RequestSigner(secret) if secret else None,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float | bool] | None = None,
        json: object | None = None,
        data: Mapping[str, str] | None = None,
        files: FileParts | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send, retrying connection errors, timeouts and 408/409/429/5xx (unless the body says
        ``"retryable": false``); raise typed errors."""
        wait: float | httpx.Timeout = self.http.timeout if timeout is None else timeout
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                response = await self.http.request(
                    method, path, params=params, json=json, data=data, files=files, timeout=wait
                )
            except httpx.TimeoutException as exc:
                error: ImageLensAPIError = TimeoutError(
                    f"No answer from {self.base_url} in time: {exc}", code="timeout"
                )
            except httpx.TransportError as exc:
                error = ConnectionError(
                    f"Could not reach {self.base_url}: {exc}", code="connection_error"
                )
            else:
                if response.status_code < 400:
                    return response
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                error = error_for_status(response.status_code, _json(response), retry_after)
                # A 409 for a lock may clear; one for a switched-off feature never will: the
                # body's explicit "retryable": false settles it.
                if response.status_code not in RETRY_STATUSES or error.retryable is False:
                    raise error
            if attempt >= self.max_retries:
                raise error
            if isinstance(error, RateLimitError) and error.retry_after is not None:
                retry_after = error.retry_after
            await asyncio.sleep(retry_delay(attempt, retry_after))
            attempt += 1


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None
