"""Real servers for the API tests: imagelens on uvicorn in a thread, a tiny image host, and
a fresh PostgreSQL database per test run."""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import httpx
import pytest
import sqlalchemy
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from imagelens.api import create_app
from imagelens.api.server import uvicorn_config
from imagelens.config import Settings
from imagelens.core import Services
from imagelens.engine import Engine
from imagelens.engine.vlm.backend import VlmBackend

ADMIN_KEY = "il_test_admin_key_0123456789abcdef"

# The deployments an API test module can run on (the ``deployment`` fixture in conftest).
DEPLOYMENTS = ["sqlite", "postgresql", "api-role"]
WITH_API_ROLE = pytest.mark.parametrize("deployment", DEPLOYMENTS, indirect=True, scope="module")
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    base_url: str
    settings: Settings
    key: str = ADMIN_KEY
    services: Services | None = None  # the in-process server's parts, for fault injection

    def client(self, key: str | None = None, timeout: float = 60) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {key or self.key}"},
            timeout=timeout,
        )


@contextlib.contextmanager
def run_server(
    settings: Settings,
    engine: Engine,
    wrap: Callable[[ASGIApp], ASGIApp] | None = None,
    vlm: VlmBackend | None = None,
) -> Iterator[LiveServer]:
    """create_app(settings) on uvicorn in a background thread, on a free port; ``wrap`` puts
    a test double in front of the real app (to make it answer 429/503 on purpose)."""
    port = free_port()
    fastapi_app = create_app(settings, engine=engine, vlm=vlm)
    app: ASGIApp = fastapi_app
    if wrap is not None:
        app = wrap(app)
    config = uvicorn_config(
        app, host="127.0.0.1", port=port, header_timeout=settings.header_timeout_seconds
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", settings, services=fastapi_app.state.services)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def make_settings(tmp: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp,
        "database_url": database_url,
        "bootstrap_api_key": ADMIN_KEY,
        "allow_private_urls": True,
        "quota": {"monthly_analyses": 0, "requests_per_minute": 0},
        # Off like the rate limit: schemathesis's invalid-key probes alone pass 30 a minute.
        # Tests of the throttle turn it on (test_api_security, test_shared_limits).
        "auth_failures_per_minute": 0,
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database; dropped afterwards."""
    name = f"imagelens_test_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class _ImageHost(http.server.BaseHTTPRequestHandler):
    root: Path

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", parse_qs(url.query)["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = self.root / url.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@contextlib.contextmanager
def image_host(root: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """Serves files under ``root`` over HTTP, plus /redirect?to=URL; yields the base URL."""
    handler = type("Handler", (_ImageHost,), {"root": root})
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def wait_job(client: httpx.Client, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/v2/job/{job_id}").json()
        if body["status"] != "processing" or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


class Flaky:
    """A test double in front of the real app: the first requests to ``path`` get the given
    statuses (with ``Retry-After: 0``), later ones reach the server."""

    def __init__(self, app: ASGIApp, path: str, statuses: list[int]) -> None:
        self.app = app
        self.path = path
        self.statuses = list(statuses)
        self.seen = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path:
            self.seen += 1
            if self.statuses:
                status = self.statuses.pop(0)
                body = b'{"error": {"code": "flaky", "message": "try again", "retryable": true}}'
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"retry-after", b"0"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def spawn_server(data_dir: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``imagelens serve`` in its own process with ``env`` added; returns once /readyz is 200."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "imagelens.cli",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env=os.environ | {"HF_HUB_OFFLINE": "1"} | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not become ready")


def spawn_worker(data_dir: Path, env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """``imagelens worker`` in its own process with ``env`` added (it loads its own models)."""
    return subprocess.Popen(
        [sys.executable, "-m", "imagelens.cli", "worker", "--data-dir", str(data_dir), *args],
        env=os.environ | {"HF_HUB_OFFLINE": "1"} | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def scaleout_env(database_url: str, queue: str | None = None) -> dict[str, str]:
    """The settings an API process (``--role api``) and its workers share: jobs through
    Celery on the machine's Redis (db 12; a queue of its own), events and limits in db 13."""
    return {
        "IMAGELENS_DATABASE_URL": database_url,
        "IMAGELENS_QUEUE__KIND": "celery",
        "IMAGELENS_QUEUE__BROKER_URL": "redis://127.0.0.1:6379/12",
        "IMAGELENS_QUEUE__NAME": queue or f"imagelens-test-{uuid.uuid4().hex[:8]}",
        "IMAGELENS_REDIS_URL": "redis://127.0.0.1:6379/13",
    }


def new_bucket(endpoint: str, **credentials: str) -> str:
    """A new, empty bucket on the S3 endpoint."""
    name = f"imagelens-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket=name)
    return name
