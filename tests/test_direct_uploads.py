"""Direct uploads (issue 22): bytes sent straight to storage, then completed; the same suite
against local storage (this server's signed part URLs) and S3 (moto's server, presigned)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from sqlalchemy import update

from imagelens import sdk
from imagelens.db.tables import DirectUpload, utcnow
from imagelens.engine import Engine
from tests.imagegen import encode, noise_photo, photo
from tests.live import LiveServer, make_settings, new_bucket, run_server

API = "/api/v2"
CLI = [sys.executable, "-m", "imagelens.cli"]
MB = 1024 * 1024
SERVER_KEY = "server-secret-key-for-tests-0123456789"


@pytest.fixture(scope="module", params=["local", "s3"])
def server(
    request: pytest.FixtureRequest,
    engine: Engine,
    s3_endpoint: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp(f"direct-{request.param}")
    extra: dict[str, Any] = {}
    if request.param == "s3":
        bucket = new_bucket(s3_endpoint)
        extra["storage"] = {"kind": "s3", "bucket": bucket, "endpoint_url": s3_endpoint}
    settings = make_settings(
        data,
        f"sqlite:///{data / 'db.sqlite'}",
        secret_key=SERVER_KEY,
        # The smallest parts S3 takes, so a 6 MB image goes in two.
        uploads={"multipart_threshold": 5 * MB, "part_size": 5 * MB},
        **extra,
    )
    with run_server(settings, engine) as live:
        yield live


def _staged(server: LiveServer) -> list[str]:
    """What direct uploads left in storage (parts, staging objects, open multiparts)."""
    settings = server.settings
    if settings.storage.kind == "local":
        root = settings.data_dir / "direct"
        return sorted(str(p) for p in root.rglob("*")) if root.exists() else []
    s3 = boto3.client("s3", endpoint_url=settings.storage.endpoint_url, region_name="us-east-1")
    listed = s3.list_objects_v2(Bucket=settings.storage.bucket, Prefix="direct/")
    multiparts = s3.list_multipart_uploads(Bucket=settings.storage.bucket)
    return [o["Key"] for o in listed.get("Contents", [])] + [
        u["Key"] for u in multiparts.get("Uploads", [])
    ]


def _start(client: httpx.Client, data: bytes, **fields: Any) -> dict[str, Any]:
    body = {"filename": "big.png", "size": len(data)} | fields
    response = client.post(f"{API}/files/uploads", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _send(created: dict[str, Any], data: bytes) -> list[dict[str, Any]]:
    """PUT the bytes where the upload says; the parts' ETags for complete."""
    if created["method"] == "put":
        put = httpx.put(created["url"], content=data, timeout=60)
        assert put.status_code == 200, put.text
        return []
    size = created["part_size"]
    parts = []
    for part in created["parts"]:
        n = part["part_number"]
        put = httpx.put(part["url"], content=data[(n - 1) * size : n * size], timeout=60)
        assert put.status_code == 200, put.text
        parts.append({"part_number": n, "etag": put.headers["etag"]})
    return parts


def test_single_put_is_analysed_and_the_staging_removed(server: LiveServer) -> None:
    data = encode(photo("chelsea"), "JPEG")
    with server.client() as client:
        created = _start(client, data, filename="cat.jpg", sha256=hashlib.sha256(data).hexdigest())
        assert created["method"] == "put" and created["url"] and created["parts"] is None
        assert _send(created, data) == []
        done = client.post(created["complete_url"], json={"timeout": 60})
        assert done.status_code == 201, done.text
        result = done.json()
        assert result["description_status"] == "completed"
        assert result["filename"] == "cat.jpg" and result["deduplicated"] is False
        assert result["object_key"].endswith(hashlib.sha256(data).hexdigest())
        stored = client.get(f"{API}/files/{result['image_id']}/content")
        assert stored.content == data
        again = client.post(created["complete_url"])
        assert again.status_code == 404  # completed once; the upload is gone
    assert _staged(server) == []


def test_multipart_upload_and_deduplication(server: LiveServer) -> None:
    data = encode(noise_photo(2400, 1800, seed=3), "PNG")
    assert len(data) > 5 * MB
    with server.client() as client:
        created = _start(client, data)
        assert created["method"] == "multipart" and len(created["parts"]) >= 2
        parts = _send(created, data)
        done = client.post(created["complete_url"], json={"parts": parts, "timeout": 0})
        assert done.status_code == 201, done.text
        first = done.json()
        assert first["deduplicated"] is False and first["job_id"]
        again = _start(client, data)
        done = client.post(again["complete_url"], json={"parts": _send(again, data)})
        assert done.status_code == 201 and done.json()["deduplicated"] is True
    assert _staged(server) == []


def test_a_wrong_part_list_is_refused(server: LiveServer) -> None:
    data = encode(noise_photo(2400, 1800, seed=4), "PNG")
    with server.client() as client:
        created = _start(client, data)
        parts = _send(created, data)
        wrong = [parts[0] | {"etag": '"' + "0" * 32 + '"'}, *parts[1:]]
        done = client.post(created["complete_url"], json={"parts": wrong})
        assert done.status_code == 400, done.text
    assert _staged(server) == []


def test_a_tampered_part_is_refused_against_the_announced_sha256(server: LiveServer) -> None:
    data = encode(noise_photo(2400, 1800, seed=6), "PNG")
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0xFF  # one byte in the second part
    with server.client() as client:
        created = _start(client, data, sha256=hashlib.sha256(data).hexdigest())
        parts = _send(created, bytes(tampered))
        refused = client.post(created["complete_url"], json={"parts": parts})
        assert refused.status_code == 400
        assert "sha256" in refused.json()["error"]["message"]
        # Sent again right (a part PUT twice: its last try counts), the same bytes pass.
        created = _start(client, data, sha256=hashlib.sha256(data).hexdigest())
        _send(created, bytes(tampered))
        parts = _send(created, data)
        done = client.post(created["complete_url"], json={"parts": parts, "timeout": 0})
        assert done.status_code == 201, done.text
    assert _staged(server) == []


def test_wrong_size_and_wrong_type_are_refused_and_nothing_kept(server: LiveServer) -> None:
    data = encode(photo("coffee"), "JPEG")
    with server.client() as client:
        before = len(client.get(f"{API}/files", params={"limit": 500}).json()["items"])
        short = _start(client, data + b"0123")
        _send({**short, "url": short["url"]}, data)  # 4 bytes fewer than announced
        refused = client.post(short["complete_url"])
        assert refused.status_code == 400
        assert "were announced" in refused.json()["error"]["message"]

        text = b"just some text, not an image " * 100
        wrong = _start(client, text, filename="notes.png")
        _send(wrong, text)
        refused = client.post(wrong["complete_url"])
        assert refused.status_code == 415
        assert refused.json()["error"]["code"] == "unsupported_media_type"

        hashed = _start(client, data, sha256="0" * 64)
        _send(hashed, data)
        assert client.post(hashed["complete_url"]).status_code == 400

        after = len(client.get(f"{API}/files", params={"limit": 500}).json()["items"])
        assert after == before
        too_big = client.post(f"{API}/files/uploads", json={"filename": "x", "size": 10**10})
        assert too_big.status_code == 413
    assert _staged(server) == []


def test_abort_and_expiry_remove_what_was_sent(server: LiveServer) -> None:
    data = encode(photo("rocket"), "JPEG")
    assert server.services is not None
    with server.client() as client:
        aborted = _start(client, data)
        _send(aborted, data)
        assert _staged(server)
        upload = aborted["upload_id"]
        assert client.delete(f"{API}/files/uploads/{upload}").status_code == 204
        assert client.post(aborted["complete_url"]).status_code == 404
        assert client.delete(f"{API}/files/uploads/{upload}").status_code == 404
        assert _staged(server) == []

        forgotten = _start(client, data)
        _send(forgotten, data)
        assert server.services.direct.sweep() == 0  # not expired yet
        assert _staged(server)
        later = utcnow() + timedelta(seconds=server.settings.uploads.expiry_seconds + 1)
        assert server.services.direct.sweep(now=later) == 1
        assert _staged(server) == []
        assert client.post(forgotten["complete_url"]).status_code == 404


def test_another_tenants_upload_is_not_found(server: LiveServer) -> None:
    data = encode(photo("chelsea"), "JPEG")
    with server.client() as admin:
        other = admin.post(
            f"{API}/api-keys", json={"name": "b", "tenant": "other", "scopes": ["read", "write"]}
        ).json()["key"]
        created = _start(admin, data)
        _send(created, data)
    with server.client(other) as client:
        assert client.post(created["complete_url"]).status_code == 404
        assert client.delete(f"{API}/files/uploads/{created['upload_id']}").status_code == 404
    with server.client() as admin:
        assert admin.post(created["complete_url"]).status_code == 201


def test_local_part_urls_refuse_tampering_and_expiry(server: LiveServer) -> None:
    if server.settings.storage.kind != "local":
        pytest.skip("presigned S3 URLs are checked by the bucket")
    assert server.services is not None
    data = encode(photo("coffee"), "JPEG")
    with server.client() as client:
        created = _start(client, data)
    url = httpx.URL(created["url"])
    expires = int(url.params["expires"])
    tampered = url.copy_set_param("expires", str(expires + 3600))
    refused = httpx.put(tampered, content=data)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_signature"
    other_part = str(url).replace("/parts/1?", "/parts/2?")
    assert httpx.put(other_part, content=data).status_code == 401
    with server.services.db.session() as session:
        session.execute(
            update(DirectUpload)
            .where(DirectUpload.id == created["upload_id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = httpx.put(url, content=data)
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
    assert not list(Path(server.settings.data_dir / "direct").rglob("part-*"))


def test_the_sdk_and_cli_upload_direct_with_progress(server: LiveServer, tmp_path: Path) -> None:
    data = encode(noise_photo(2400, 1800, seed=5), "PNG")
    path = tmp_path / "noise.png"
    path.write_bytes(data)
    seen: list[tuple[int, int]] = []
    with sdk.ImageLens(server.key, base_url=server.base_url) as client:
        result = client.files.upload(
            path, direct=True, timeout=0, on_progress=lambda a, b: seen.append((a, b))
        )
        assert result.image_id and result.object_key and result.deduplicated is False
        assert seen[-1] == (len(data), len(data))
        assert all(total == len(data) for _, total in seen) and len(seen) > 2
        small = client.files.upload(encode(photo("coffee"), "JPEG"), direct=True, timeout=30)
        assert small.image_id and small.object_key  # analysed behind the noise image's job
    assert _staged(server) == []
    env = os.environ | {"IMAGELENS_API_KEY": server.key, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [*CLI, "files", "upload", str(path), "--direct", "--server", server.base_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["deduplicated"] is True
