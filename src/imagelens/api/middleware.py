"""One ASGI middleware for what every request needs: an id, a body-size cap, metrics, a log line.

Written as plain ASGI rather than BaseHTTPMiddleware, which would copy every response body
through an extra task and cost throughput on the job-submission path.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imagelens.errors import ImageTooLarge
from imagelens.logs import request_id
from imagelens.metrics import Metrics

log = logging.getLogger("imagelens.access")


class RequestContext:
    def __init__(
        self, app: ASGIApp, *, metrics: Metrics, max_body: int, max_batch_body: int
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        self.max_batch_body = max_batch_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(_header(scope, b"x-request-id"))
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        cap = self.max_batch_body if scope["path"].endswith("/batch") else self.max_body
        declared = _header(scope, b"content-length")
        try:
            if declared and declared.isdigit() and int(declared) > cap:
                status = 413
                message = f"The request body is {declared} bytes, over the limit of {cap}."
                await _refuse(send, rid, 413, "image_too_large", message, {"max_bytes": cap})
                return
            if _has_nul(scope):  # PostgreSQL cannot store NUL; no id or filter contains one
                status = 400
                message = "The URL contains a NUL character (%00); remove it."
                await _refuse(send, rid, 400, "invalid_input", message, {})
                return
            received = 0

            async def capped_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > cap:
                        raise ImageTooLarge(f"The request body is over {cap} bytes.")
                return message

            async def send_with_headers(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    headers = list(message.get("headers", []))
                    headers.append((b"x-request-id", rid.encode()))
                    headers.extend(_SECURITY_HEADERS)
                    state: MutableMapping[str, Any] = scope.get("state", {})
                    for name, value in (state.get("rate_headers") or {}).items():
                        if not any(h[0].lower() == name.lower().encode() for h in headers):
                            headers.append((name.lower().encode(), value.encode()))
                    message["headers"] = headers
                await send(message)

            await self.app(scope, capped_receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                },
            )
            request_id.reset(token)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


# On every answer: no MIME sniffing (a stored upload is never run as HTML or script), no
# Referer leaving the server, no framing (clickjacking the web page).
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]

_REQUEST_ID = re.compile(r"[!-~]{1,128}")  # printable ASCII, no spaces


def _request_id(given: str | None) -> str:
    """The client's X-Request-ID when it is 1-128 printable characters, else a new one (it is
    echoed and logged, so an unbounded one would let a client flood the logs)."""
    if given is not None and _REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def _has_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query


async def _refuse(
    send: Send, rid: str, status: int, code: str, message: str, details: dict[str, Any]
) -> None:
    """Answer with the v2 error body before the app sees the request."""
    error = {"code": code, "message": message, "retryable": False, "details": details}
    body = json.dumps({"error": error}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", rid.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
