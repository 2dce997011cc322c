"""Hostile and racing requests over real HTTP: decode budget, duplicate races, NUL bytes,
bad JSON, describe-image input forms, request ids, slow headers, file modes."""

from __future__ import annotations

import os
import socket
import stat
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from imagelens.engine import Engine
from tests.imagegen import encode, photo
from tests.live import LiveServer, make_settings, run_server

API = "/api/v2"


def _tenant_key(server: LiveServer) -> str:
    with server.client() as client:
        body = {"name": "t", "tenant": f"t-{uuid.uuid4().hex[:8]}", "scopes": ["read", "write"]}
        response = client.post(f"{API}/api-keys", json=body)
        assert response.status_code == 201
        key: str = response.json()["key"]
        return key


def _small_png(seed: int) -> bytes:
    return encode(photo("chelsea").resize((64 + seed, 48)), "PNG")


# --- duplicates --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/images/analyze/async", "/files/upload"])
def test_concurrent_identical_uploads_store_one_image(server: LiveServer, path: str) -> None:
    key = _tenant_key(server)
    data = _small_png(1)
    n = 16

    def post(_i: int) -> dict[str, Any]:
        with server.client(key=key) as client:
            response = client.post(
                API + path,
                files={"file": ("same.png", data)},
                data={"skip_duplicates": "true", "timeout": "5"},
            )
            assert response.status_code in (201, 202), response.text
            body: dict[str, Any] = response.json()
            return body

    with ThreadPoolExecutor(n) as pool:
        bodies = list(pool.map(post, range(n)))
    with server.client(key=key) as client:
        items = client.get(f"{API}/files").json()["items"]
        quota = client.get(f"{API}/quota").json()
    assert len(items) == 1, items
    assert {b["image_id"] for b in bodies} == {items[0]["image_id"]}
    assert quota["current_usage"] == 1  # the skipped ones cost nothing
    if path == "/files/upload":
        assert sum(b["description_status"] == "skipped" for b in bodies) == n - 1


def test_the_dedupe_claim_passes_to_the_next_copy(server: LiveServer) -> None:
    key = _tenant_key(server)
    data = _small_png(2)
    with server.client(key=key) as client:

        def upload(skip: bool) -> dict[str, Any]:
            files = {"file": ("d.png", data)}
            form = {"skip_duplicates": str(skip).lower(), "timeout": "5"}
            body: dict[str, Any] = client.post(f"{API}/files/upload", files=files, data=form).json()
            return body

        first, second = upload(False), upload(False)
        assert second["deduplicated"] and second["image_id"] != first["image_id"]
        assert client.delete(f"{API}/files/{first['image_id']}").status_code == 204
        again = upload(True)
        assert again["description_status"] == "skipped"
        assert again["image_id"] == second["image_id"]
        assert client.get(f"{API}/files/{second['image_id']}/content").content == data


# --- memory budget -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def impatient_server(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    settings = make_settings(
        tmp_path_factory.mktemp("busy"),
        database_url,
        limits={"decode_memory_bytes": 64 << 20, "decode_wait_seconds": 0.3},
        header_timeout_seconds=1.0,
    )
    with run_server(settings, engine) as live:
        yield live


def test_a_full_decode_budget_answers_503_then_recovers(impatient_server: LiveServer) -> None:
    assert impatient_server.services is not None
    budget = impatient_server.services.decoder.budget
    assert budget is not None
    data = encode(photo("chelsea"), "JPEG")
    with impatient_server.client() as client:
        with budget.reserve(budget.capacity):  # as if other requests were decoding huge images
            response = client.post(f"{API}/images/analyze", files={"file": ("c.jpg", data)})
            assert response.status_code == 503, response.text
            assert response.json()["error"]["code"] == "server_busy"
            assert response.json()["error"]["retryable"] is True
            assert int(response.headers["Retry-After"]) >= 1
            described = client.post(
                "/api/openapi-v2/describe-image",
                files={"image": ("c.jpg", data)},
                data={"prompt": "describe"},
            )
            assert described.status_code == 503 and described.json()["succeed"] is False
        response = client.post(f"{API}/images/analyze", files={"file": ("c.jpg", data)})
        assert response.status_code == 200 and response.json()["status"] == "completed"


# --- NUL bytes and JSON --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/files?q=a%00b", {}),
        ("GET", "/files?tag=%00", {}),
        ("GET", "/files/a%00b", {}),
        ("GET", "/job/%00", {}),
        ("GET", "/sessions/x%00", {}),
        ("DELETE", "/api-keys/%00", {}),
        ("POST", "/api-keys", {"json": {"name": "a\x00b"}}),
        ("POST", "/custom-extraction-schemas", {"json": {"name": "n\x00", "schema": {}}}),
        ("POST", "/files/upload", {"multipart_filename": "a\x00b.png"}),
        ("POST", "/images/analyze", {"json": {"base64": "", "prompt": "x\x00"}}),
    ],
)
def test_nul_bytes_are_400_everywhere(
    server: LiveServer, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    if "multipart_filename" in kwargs:  # by hand: httpx would escape the NUL as %00
        name = kwargs["multipart_filename"].encode()
        body = (
            b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="'
            + name
            + b'"\r\nContent-Type: image/png\r\n\r\n'
            + _small_png(3)
            + b"\r\n--b0undary--\r\n"
        )
        kwargs = {
            "content": body,
            "headers": {"Content-Type": "multipart/form-data; boundary=b0undary"},
        }
    with server.client() as client:
        response = client.request(method, API + path, **kwargs)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] in ("invalid_input", "invalid_image")
        assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"a": ', b"[1, 2]", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b'"text"'],
)
def test_bad_json_bodies_are_400(server: LiveServer, body: bytes) -> None:
    headers = {"Content-Type": "application/json"}
    with server.client() as client:
        image_id = client.post(
            f"{API}/images/analyze/async", files={"file": ("x.png", _small_png(4))}
        ).json()["image_id"]
        for path in (
            f"/files/{image_id}/describe",
            "/images/analyze",
            "/images/analyze/async",
            "/api-keys",
            "/custom-extraction-schemas",
        ):
            response = client.post(API + path, content=body, headers=headers)
            assert response.status_code == 400, (path, response.text)
            assert response.json()["error"]["code"] == "invalid_input", path
        assert client.get("/healthz").status_code == 200


# --- describe-image input forms ----------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "status", "fragment"),
    [
        (("empty.jpg", b""), 400, "empty"),
        ("HTTP://127.0.0.1:9/x.jpg", 400, "could not fetch"),  # a URL, though upper case
        ("file:///etc/passwd", 400, "http(s)"),
        ("   ", 400, "empty"),
    ],
)
def test_describe_image_inputs(
    impatient_server: LiveServer, image: Any, status: int, fragment: str
) -> None:
    files = {"image": image} if isinstance(image, tuple) else {"image": (None, image)}
    with impatient_server.client() as client:
        response = client.post(
            "/api/openapi-v2/describe-image", files=files, data={"prompt": "describe"}
        )
    assert response.status_code == status
    body = response.json()
    assert body["code"] == 10004
    assert fragment.lower() in body["detail"].lower()
    assert "not valid base64" not in body["detail"].lower()


# --- small ones ----------------------------------------------------------------------------


def test_request_ids_are_bounded(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url) as client:
        assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers[
            "x-request-id"
        ] == ("abc-123")
        for bad in ("x" * 129, "has space", "tab\there"):
            echoed = client.get("/healthz", headers={"X-Request-ID": bad}).headers["x-request-id"]
            assert echoed != bad and len(echoed) == 32


def test_slow_headers_are_cut_off(impatient_server: LiveServer) -> None:
    host, port = impatient_server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # ...and never the blank line
        started = time.monotonic()
        answer = sock.recv(1024)
        assert answer.startswith(b"HTTP/1.1 408")
        assert sock.recv(1024) == b""  # closed
        assert time.monotonic() - started < 5
    with socket.create_connection((host, int(port)), timeout=10) as sock:  # silent client
        assert sock.recv(1024).startswith(b"HTTP/1.1 408")
    with httpx.Client(base_url=impatient_server.base_url) as client:  # a normal client is fine
        assert client.get("/healthz").status_code == 200


def test_sqlite_database_is_private(server: LiveServer) -> None:
    if not server.settings.resolved_database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    path = Path(server.settings.resolved_database_url.removeprefix("sqlite:///"))
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            assert stat.S_IMODE(os.stat(file).st_mode) == 0o600, file
