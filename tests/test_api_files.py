"""Files, sessions and jobs over real HTTP: upload, batch progress, list/filter/page, reads."""

from __future__ import annotations

import io
import itertools
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from tests.live import WITH_API_ROLE, LiveServer, wait_job

pytestmark = WITH_API_ROLE

API = "/api/v2"


def _upload(client: httpx.Client, path: Path, **data: str) -> dict[str, Any]:
    response = client.post(
        f"{API}/files/upload", files={"file": (path.name, path.read_bytes())}, data=data
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_upload_then_every_read(server: LiveServer, image_dir: Path) -> None:
    with server.client() as client:
        result = _upload(client, image_dir / "page.png", content_category="document")
        assert result["description_status"] == "completed"
        assert result["filename"] == "page.png"
        assert "INVOICE 2041" in result["visible_text"]
        assert result["status"] == "completed" and result["media_type"] == "image"
        image_id = result["image_id"]

        got = client.get(f"{API}/files/{image_id}").json()
        assert got["description"] == result["description"]

        content = client.get(f"{API}/files/{image_id}/content")
        assert content.content == (image_dir / "page.png").read_bytes()
        assert content.headers["content-type"] == "image/png"

        thumb = client.get(result["thumbnail_url"])
        assert thumb.headers["content-type"] == "image/webp"
        assert max(Image.open(io.BytesIO(thumb.content)).size) == 256

        text = client.get(f"{API}/files/{image_id}/text").json()
        assert "Total due" in text["visible_text"]
        assert {r["text"] for r in text["text_regions"]} >= {"INVOICE 2041"}

        again = client.post(f"{API}/files/{image_id}/describe", json={"lang": "de"})
        assert again.status_code == 202
        job = wait_job(client, again.json()["job_id"])
        assert job["status"] == "completed"
        assert job["results"][0]["image_id"] == image_id

        assert client.delete(f"{API}/files/{image_id}").status_code == 204
        for suffix in ("", "/content", "/thumbnail", "/text", "/similar"):
            assert client.get(f"{API}/files/{image_id}{suffix}").status_code == 404
        assert client.delete(f"{API}/files/{image_id}").status_code == 404


def test_similar_finds_a_recompressed_copy(
    server: LiveServer, image_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "chelsea-small.jpg"
    Image.open(image_dir / "chelsea.jpg").resize((300, 200)).save(copy, quality=60)
    with server.client() as client:
        original = _upload(client, image_dir / "chelsea.jpg")
        smaller = _upload(client, copy)
        coffee = _upload(client, image_dir / "coffee.png")
        similar = client.get(f"{API}/files/{original['image_id']}/similar").json()
        ids = [item["image_id"] for item in similar["items"]]
        assert smaller["image_id"] in ids
        assert coffee["image_id"] not in ids
        assert all(item["distance"] <= 10 for item in similar["items"])


def test_list_filters_and_cursor_pages(server: LiveServer, image_dir: Path) -> None:
    with server.client() as client:
        cat = _upload(client, image_dir / "chelsea.jpg")
        page = _upload(client, image_dir / "page.png")
        by_tag = client.get(f"{API}/files", params={"tag": "cat"}).json()["items"]
        assert cat["image_id"] in {i["image_id"] for i in by_tag}
        assert page["image_id"] not in {i["image_id"] for i in by_tag}
        by_text = client.get(f"{API}/files", params={"q": "invoice"}).json()["items"]
        assert page["image_id"] in {i["image_id"] for i in by_text}
        failed = client.get(f"{API}/files", params={"status": "failed"}).json()["items"]
        assert failed == []

        seen: list[str] = []
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            body = client.get(f"{API}/files", params=params).json()
            assert len(body["items"]) <= 2
            seen += [i["image_id"] for i in body["items"]]
            cursor = body["next_cursor"]
            assert body["has_more"] is (cursor is not None)
            if cursor is None:
                break
        assert len(seen) == len(set(seen))  # no image twice across pages
        everything = client.get(f"{API}/files", params={"limit": 500}).json()["items"]
        assert seen == [i["image_id"] for i in everything]
        assert client.get(f"{API}/files", params={"cursor": "garbage!"}).status_code == 400


def test_batch_session_progress(server: LiveServer, image_dir: Path) -> None:
    names = ["chelsea.jpg", "coffee.png", "astronaut.jpg", "page.png", "notes.txt"]
    files = [("files", (n, (image_dir / n).read_bytes())) for n in names]
    with server.client() as client:
        response = client.post(f"{API}/files/upload/batch", files=files)
        assert response.status_code == 202, response.text
        batch = response.json()
        assert [r["filename"] for r in batch["results"]] == names
        refused = batch["results"][-1]
        assert refused["description_status"] == "failed"
        assert refused["description_error_type"] == "validation"
        seen_progress: list[dict[str, int]] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            session = client.get(batch["session_url"]).json()
            seen_progress.append(session["progress"])
            if session["status"] != "processing":
                break
            time.sleep(0.2)
        assert session["status"] == "completed"
        assert session["progress"] == {"total": 5, "completed": 4, "failed": 1}
        assert all(
            later["completed"] >= earlier["completed"]
            for earlier, later in itertools.pairwise(seen_progress)
        )
        job = client.get(batch["poll_url"]).json()
        assert job["job_type"] == "batch" and job["status"] == "completed"
        assert job["progress"] == {"total": 5, "completed": 4, "failed": 1}
        assert len(job["results"]) == 4


def test_batch_limits(server: LiveServer, image_dir: Path) -> None:
    data = (image_dir / "chelsea.jpg").read_bytes()
    with server.client() as client:
        too_many = [("files", (f"{i}.jpg", data)) for i in range(9)]  # server max_batch=8
        response = client.post(f"{API}/files/upload/batch", files=too_many)
        assert response.status_code == 400
        assert response.json()["error"]["details"] == {"max_batch": 8}
        response = client.post(f"{API}/files/upload/batch", data={"x": "1"})
        assert response.status_code == 400


def test_quota_and_unknown_ids(server: LiveServer) -> None:
    with server.client() as client:
        quota = client.get(f"{API}/quota").json()
        assert quota["can_proceed"] is True and quota["current_usage"] >= 1
        assert quota["max_batch_size"] == 8
        for path in ("/job/nope", "/sessions/nope", "/files/nope"):
            response = client.get(API + path)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
