"""One ASGI middleware for what every request needs: an id, a body-size cap, metrics, a log line.

Written as plain ASGI rather than BaseHTTPMiddleware, which would copy every response body
through an extra task and cost throughput on the job-submission path.
"""

from __future__ import annotations

import json
import logging
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
        rid = _header(scope, b"x-request-id") or uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        cap = self.max_batch_body if scope["path"].endswith("/batch") else self.max_body
        declared = _header(scope, b"content-length")
        try:
            if declared and declared.isdigit() and int(declared) > cap:
                status = 413
                await _too_large(send, rid, int(declared), cap)
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


async def _too_large(send: Send, rid: str, declared: int, cap: int) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "image_too_large",
                "message": f"The request body is {declared} bytes, over the limit of {cap}.",
                "retryable": False,
                "details": {"max_bytes": cap},
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", rid.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
