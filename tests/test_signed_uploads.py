"""Signed uploads: the body a signature covers is hashed as it streams in and kept on disk
for the route, never held whole; junk signing headers are refused before any body is read
(issue 24 items 7 and 10)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from imagelens.engine import Engine
from imagelens.sdk import ImageLens
from tests.imagegen import encode, photo
from tests.live import LiveServer, make_settings, run_server
from tests.videos import encode_clip

API = "/api/v2"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("signed-uploads")
    settings = make_settings(
        data, f"sqlite:///{data / 'db.sqlite'}", secret_key="test-server-secret-0123456789"
    )
    with run_server(settings, engine) as live:
        yield live


@pytest.fixture(scope="module")
def signing_key(server: LiveServer) -> dict[str, Any]:
    with server.client() as client:
        made = client.post(
            f"{API}/api-keys", json={"name": "signer", "scopes": ["read", "write"], "signing": True}
        )
        assert made.status_code == 201, made.text
        created: dict[str, Any] = made.json()
        return created


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    head = (
        f'--sep\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + b"\r\n--sep--\r\n", "multipart/form-data; boundary=sep"


def _signed(secret: str, key_id: str, target: str, body: bytes) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    digest = hashlib.sha256(body).hexdigest()
    message = "\n".join(["IL-HMAC-SHA256", timestamp, nonce, "POST", target, "", digest])
    return {
        "X-Imagelens-Key-Id": key_id,
        "X-Imagelens-Timestamp": timestamp,
        "X-Imagelens-Nonce": nonce,
        "X-Imagelens-Signature": hmac.new(
            secret.encode(), message.encode(), hashlib.sha256
        ).hexdigest(),
    }


def _chunks(body: bytes) -> Iterator[bytes]:
    view = memoryview(body)
    for at in range(0, len(body), 256 * 1024):
        yield bytes(view[at : at + 256 * 1024])


def test_a_signed_upload_through_the_sdk(server: LiveServer, signing_key: dict[str, Any]) -> None:
    with ImageLens(base_url=server.base_url, secret=signing_key["secret"]) as client:
        result = client.files.upload(encode(photo("chelsea"), "JPEG"), filename="cat.jpg")
    assert result.description_status == "completed"
    assert result.tags and "cat" in result.tags


def test_a_big_signed_upload_is_never_held_whole(
    server: LiveServer, signing_key: dict[str, Any]
) -> None:
    clip = encode_clip([(photo("chelsea"), 1.0), (photo("astronaut"), 1.0)])
    body, content_type = _multipart("big.mp4", clip + b"\0" * (40 * MB))
    target = f"{API}/images/analyze/async"
    headers = _signed(signing_key["secret"], signing_key["id"], target, body)
    headers["Content-Type"] = content_type
    # The client streams the body from chunks, so what tracemalloc sees is the server's.
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        tracemalloc.start()
        try:
            response = client.post(target, content=_chunks(body), headers=headers)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert response.status_code == 202, response.text
    assert peak < 16 * MB, peak  # the body is 40 MB; Request.body() would have held it


def test_junk_signing_headers_are_refused_before_the_body_is_read(
    server: LiveServer, signing_key: dict[str, Any]
) -> None:
    body, content_type = _multipart("big.bin", b"\0" * (30 * MB))
    target = f"{API}/files/upload"
    headers = _signed(signing_key["secret"], signing_key["id"], target, body)
    headers |= {"Content-Type": content_type, "X-Imagelens-Timestamp": "1"}  # stale
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        tracemalloc.start()
        try:
            response = client.post(target, content=_chunks(body), headers=headers)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "invalid_signature"
    assert peak < 8 * MB, peak
