"""The v2 analyze endpoints over real HTTP, driven by the reference's own curl examples."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.live import WITH_API_ROLE, LiveServer, wait_job

pytestmark = WITH_API_ROLE

API = "/api/v2"


def curl(server: LiveServer, *args: str) -> dict[str, Any]:
    """Run curl as the reference shows it, with our base URL and key."""
    out = subprocess.run(
        ["curl", "-sS", "--fail-with-body", *args, "-H", f"Authorization: Bearer {server.key}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    body: dict[str, Any] = json.loads(out.stdout)
    return body


def test_multipart_file_upload_completes_with_real_analysis(
    server: LiveServer, image_dir: Path
) -> None:
    body = curl(
        server,
        "-X",
        "POST",
        f"{server.base_url}{API}/images/analyze",
        "-F",
        f"file=@{image_dir / 'chelsea.jpg'}",
    )
    assert body["status"] == "completed"
    assert "cat" in body["tags"]
    assert "cat" in body["description"].lower()
    assert body["metadata"] == {
        "width": 451,
        "height": 300,
        "format": "JPEG",
        "size_bytes": (image_dir / "chelsea.jpg").stat().st_size,
        "content_type": "image/jpeg",
        "media_type": "image",
    }
    assert body["processing_time_ms"] > 0
    assert set(body) >= {"image_id", "visible_text", "confidence_score", "text_regions"}


def test_options_and_duplicates(server: LiveServer, image_dir: Path) -> None:
    path = image_dir / "coffee.png"
    first = curl(
        server,
        "-X",
        "POST",
        f"{server.base_url}{API}/images/analyze",
        "-F",
        f"file=@{path}",
        "-F",
        "content_category=real_estate",
        "-F",
        "skip_duplicates=true",
        "-F",
        "timeout=60",
    )
    again = curl(
        server,
        "-X",
        "POST",
        f"{server.base_url}{API}/images/analyze",
        "-F",
        f"file=@{path}",
        "-F",
        "content_category=real_estate",
        "-F",
        "skip_duplicates=true",
        "-F",
        "timeout=60",
    )
    assert first["status"] in ("completed", "skipped")  # skipped if an earlier test sent it
    assert again == {
        "image_id": again["image_id"],
        "status": "skipped",
        "processing_time_ms": again["processing_time_ms"],
    }
    if first["status"] == "completed":
        assert first["category"] == "real_estate"
        assert again["image_id"] == first["image_id"]


def test_json_url(server: LiveServer, image_url: str) -> None:
    payload = {
        "url": f"{image_url}/chelsea.jpg",
        "content_category": "general",
        "skip_duplicates": False,
        "timeout": 30,
    }
    body = curl(
        server,
        "-X",
        "POST",
        f"{server.base_url}{API}/images/analyze",
        "-H",
        "Content-Type: application/json",
        "-d",
        json.dumps(payload),
    )
    assert body["status"] == "completed"
    assert "cat" in body["tags"]


@pytest.mark.parametrize("data_uri", [False, True])
def test_json_base64(server: LiveServer, image_dir: Path, data_uri: bool) -> None:
    encoded = base64.b64encode((image_dir / "page.png").read_bytes()).decode()
    if data_uri:
        encoded = "data:image/png;base64," + encoded
    body = curl(
        server,
        "-X",
        "POST",
        f"{server.base_url}{API}/images/analyze",
        "-H",
        "Content-Type: application/json",
        "-d",
        json.dumps({"base64": encoded, "content_category": "general"}),
    )
    assert body["status"] == "completed"
    assert "INVOICE 2041" in body["visible_text"]
    for region in body["text_regions"]:
        assert all(0 <= region["bbox"][k] <= 1 for k in ("x", "y", "width", "height"))


def test_async_then_poll(server: LiveServer, image_dir: Path, image_url: str) -> None:
    accepted = curl(
        server,
        "-X",
        "POST",
        f"{server.base_url}{API}/images/analyze/async",
        "-F",
        f"file=@{image_dir / 'astronaut.jpg'}",
    )
    by_url = curl(
        server,
        "-X",
        "POST",
        f"{server.base_url}{API}/images/analyze/async",
        "-H",
        "Content-Type: application/json",
        "-d",
        json.dumps({"url": f"{image_url}/coffee.png"}),
    )
    for job in (accepted, by_url):
        assert job["status"] == "processing"
        assert job["poll_url"] == f"{API}/job/{job['job_id']}"
    with server.client() as client:
        done = wait_job(client, accepted["job_id"])
        assert done["status"] == "completed", done
        assert done["job_type"] == "image" and done["progress"] is None
        assert done["completed_at"] >= done["created_at"]
        [result] = done["results"]
        assert result["image_id"] == accepted["image_id"]
        assert result["status"] == "completed" and result["description"]
        assert wait_job(client, by_url["job_id"])["status"] == "completed"


def test_async_duplicate_is_a_finished_job(server: LiveServer, image_dir: Path) -> None:
    with server.client() as client:
        files = {"file": ("a.jpg", (image_dir / "chelsea.jpg").read_bytes())}
        first = client.post(f"{API}/images/analyze", files=files).json()
        dup = client.post(
            f"{API}/images/analyze/async", files=files, data={"skip_duplicates": "true"}
        )
        assert dup.status_code == 202
        job = client.get(dup.json()["poll_url"]).json()
        assert job["status"] == "completed"
        assert job["results"][0]["image_id"] in (first["image_id"], dup.json()["image_id"])


@pytest.mark.parametrize(
    ("files", "data", "status", "code"),
    [
        ({"file": ("empty.jpg", b"")}, {}, 400, "invalid_image"),
        (
            {"file": ("notes.jpg", b"just some text, not an image")},
            {},
            415,
            "unsupported_media_type",
        ),
        ({"file": ("cut.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)}, {}, 400, "invalid_image"),
        ({"file": ("x.jpg", b"\xff\xd8\xff")}, {"timeout": "2"}, 400, "invalid_input"),
        ({"file": ("x.jpg", b"\xff\xd8\xff")}, {"content_category": "cats"}, 400, "invalid_input"),
        ({"file": ("x.jpg", b"\xff\xd8\xff")}, {"lang": "xx"}, 400, "invalid_input"),
        ({"file": ("x.jpg", b"\xff\xd8\xff")}, {"backend": "vlm"}, 400, "invalid_input"),
        ({"other": ("x.jpg", b"\xff\xd8\xff")}, {}, 400, "invalid_input"),
    ],
)
def test_bad_uploads_get_clear_errors(
    server: LiveServer, files: dict[str, Any], data: dict[str, str], status: int, code: str
) -> None:
    with server.client() as client:
        response = client.post(f"{API}/images/analyze", files=files, data=data)
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["code"] == code and error["message"] and error["retryable"] is False
        assert client.get("/healthz").status_code == 200


def test_bomb_and_bad_json(server: LiveServer) -> None:
    from PIL import Image

    from tests.imagegen import encode

    # A small PNG whose header declares 60000 x 60000 pixels.
    bomb = encode(Image.new("1", (60000, 60000)), "PNG")
    with server.client() as client:
        response = client.post(f"{API}/images/analyze", files={"file": ("b.png", bomb)})
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "decompression_bomb"
        for body in (b"{not json", b"[]", b'{"base64": "***"}', b'{"url": "ftp://x/y.jpg"}'):
            response = client.post(
                f"{API}/images/analyze",
                content=body,
                headers={"Content-Type": "application/json"},
            )
            assert response.status_code == 400, body
            assert response.json()["error"]["code"] in ("invalid_input", "url_not_allowed")
        response = client.post(f"{API}/images/analyze", content=b"raw", headers={})
        assert response.status_code == 400
        assert client.get("/readyz").json()["status"] == "ready"
