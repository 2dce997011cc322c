"""A tiny S3-ish server on loopback that a tenant admin could point a bucket at: it stores
objects (path-style PUT/GET/HEAD/DELETE) and records every request, and can turn hostile:
answer GETs of originals with a huge body (streamed from a generator, with or without a
Content-Length), or redirect every request."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType

MIB = 1024 * 1024
_CHUNK = b"\0" * MIB


@dataclass
class Hostility:
    huge_bytes: int = 0  # > 0: GETs of originals answer this many bytes
    declare_length: bool = True  # send Content-Length with the huge body (else chunked)
    redirect: bool = False  # every request: 301 to the same URL


@dataclass
class FakeS3:
    hostility: Hostility = field(default_factory=Hostility)
    objects: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    huge_bytes_sent: int = 0
    port: int = 0
    _server: http.server.ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeS3:
        fake = self

        class Handler(_Handler):
            s3 = fake

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def huge_body(total: int) -> Iterator[bytes]:
    """``total`` bytes, a MiB at a time, never held at once."""
    sent = 0
    while sent < total:
        piece = _CHUNK[: min(MIB, total - sent)]
        sent += len(piece)
        yield piece


class _Handler(http.server.BaseHTTPRequestHandler):
    s3: FakeS3
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _start(self) -> bool:
        """Record the request; True when it was answered already (a redirect)."""
        self.s3.requests.append((self.command, self.path))
        if not self.s3.hostility.redirect:
            return False
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.send_response(301)
        self.send_header("Location", f"{self.s3.endpoint}{self.path}")
        self.send_header("Content-Length", "0")
        self.end_headers()
        return True

    def _empty(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if body:
            self.send_header("Content-Type", "application/xml")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _missing(self) -> None:
        self._empty(404, b"<Error><Code>NoSuchKey</Code><Message>missing</Message></Error>")

    def do_PUT(self) -> None:
        if self._start():
            return
        length = int(self.headers.get("content-length") or 0)
        self.s3.objects[self.path.split("?")[0]] = self.rfile.read(length)
        self.send_response(200)
        self.send_header("ETag", '"0"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_DELETE(self) -> None:
        if not self._start():
            self.s3.objects.pop(self.path.split("?")[0], None)
            self._empty(204)

    def do_HEAD(self) -> None:
        if self._start():
            return
        data = self.s3.objects.get(self.path.split("?")[0])
        if data is None:
            self._missing()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()

    def do_GET(self) -> None:
        if self._start():
            return
        path = self.path.split("?")[0]
        hostile = self.s3.hostility
        if hostile.huge_bytes and "/originals/" in path:
            self._huge(hostile.huge_bytes, hostile.declare_length)
            return
        data = self.s3.objects.get(path)
        if data is None:
            self._missing()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        self.wfile.write(data)

    def _huge(self, total: int, declare: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if declare:
            self.send_header("Content-Length", str(total))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for piece in huge_body(total):
                if declare:
                    self.wfile.write(piece)
                else:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.s3.huge_bytes_sent += len(piece)
            if not declare:
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the reader stopped: what it should do
