"""Serving the app: uvicorn with a deadline for reading request headers.

uvicorn bounds idle keep-alive connections but not a client that opens a connection and
sends its headers a byte at a time (slowloris): 1,100 such connections were held for good.
No uvicorn option covers it, so this protocol arms a timer when a connection opens and after
each response, and answers 408 and closes when the headers are not complete in time.

A graceful stop (SIGTERM, or Ctrl+C once): :class:`GracefulServer` stops accepting at once and
tells the job queue (``on_exit``), whose running jobs hand themselves back at their next page,
frame or stage (a request waiting on one answers ``processing`` with its poll URL); open
requests get ``GRACEFUL_SECONDS`` to finish; the queue hands back what is still running
within its drain time; the process exits within 15 s, without waiting for a thread still
inside one long analyzer call.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)

_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 33\r\n"
    b"connection: close\r\n\r\n"
    b"Request headers were not received"
)


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol plus a header deadline of ``header_timeout`` seconds."""

    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expire(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.write(_TIMEOUT_RESPONSE)
            self.transport.close()


# Seconds open requests (uploads, sync analyses) get after SIGTERM before they are cut; the
# job queue's drain runs meanwhile (jobs.InProcessQueue, 8 s from the signal).
GRACEFUL_SECONDS = 5


class GracefulServer(uvicorn.Server):
    """uvicorn's server that also runs ``on_exit`` as soon as a stop signal arrives (not
    after the open connections are done, as the app's lifespan shutdown would).

    ``left_running`` says, once the lifespan shutdown is done, how many job threads the
    queue's stop left inside an analyzer call (their jobs already handed back, queued in the
    database). Such a thread cannot be stopped and the interpreter would join it at exit
    (for the whole VLM request, page render or video decode), so then the process leaves
    at once with ``os._exit(0)``, logs flushed first."""

    def __init__(
        self,
        config: uvicorn.Config,
        *,
        on_exit: Callable[[], None],
        left_running: Callable[[], int] = lambda: 0,
    ) -> None:
        super().__init__(config)
        self._on_exit = on_exit
        self._left_running = left_running
        self._exiting = False

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        if count := self._left_running():
            log.warning(
                "exiting without the job threads still in an analyzer", extra={"count": count}
            )
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if not self._exiting:
            self._exiting = True
            # Off the signal handler: the hook takes locks the interrupted code may hold.
            threading.Thread(target=self._on_exit, name="graceful-stop", daemon=True).start()


def uvicorn_config(app: Any, *, host: str, port: int, header_timeout: float) -> uvicorn.Config:
    """The uvicorn configuration imagelens serves with (also used by the tests)."""
    protocol = type(
        "ImageLensHttpProtocol", (HeaderTimeoutProtocol,), {"header_timeout": header_timeout}
    )
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
