"""A webhook receiver on loopback for the tests: records every message, answers as told."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """``plans[path]``: what the next requests to ``path`` get, each a status or ("sleep",
    seconds) then 200; once a plan is used up, 200."""

    base_url: str = ""
    received: list[Received] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)  # paths, as requests come in (answered or not)
    plans: dict[str, list[int | float]] = field(default_factory=dict)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def wait_arrival(self, path: str, timeout: float = 60) -> bool:
        """True once a request to ``path`` came in (before it is answered)."""
        with self.changed:
            return self.changed.wait_for(lambda: path in self.arrived, timeout)

    def on(self, path: str) -> list[Received]:
        with self.changed:
            return [r for r in self.received if r.path == path]

    def wait(
        self, path: str, count: int, timeout: float = 30, where: Callable[[Received], bool] = bool
    ) -> list[Received]:
        """The first ``count`` messages to ``path`` (matching ``where``), once they came."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                got = [r for r in self.received if r.path == path and where(r)]
                if len(got) >= count or time.monotonic() > deadline:
                    return got
                self.changed.wait(max(0.0, deadline - time.monotonic()))


@contextlib.contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with state.changed:
                state.arrived.append(self.path)
                state.changed.notify_all()
                plan = state.plans.get(self.path, [])
                step = plan.pop(0) if plan else 200
            if isinstance(step, float):  # sleep, then answer 200 (too late)
                time.sleep(step)
                step = 200
            with state.changed:
                state.received.append(Received(self.path, dict(self.headers.items()), body))
                state.changed.notify_all()
            self.send_response(int(step))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
