"""The failed and processing variants, harmful content, and a server killed mid-job."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from imagelens.config import Settings
from imagelens.engine import Engine
from imagelens.intake import DecodedImage
from imagelens.types import Moderation, ModerationLabel
from tests.imagegen import encode
from tests.live import (
    ADMIN_KEY,
    LiveServer,
    free_port,
    make_settings,
    postgres_database,
    run_server,
    spawn_server,
    wait_job,
)

API = "/api/v2"


class ScriptedModeration:
    """A test double standing in for the moderation analyzer; the image's colour picks what it
    does: red raises (an analyzer bug), blue takes 6 s, lime green is flagged, others pass."""

    name = "moderation"
    version = "scripted"

    def load(self) -> None:
        pass

    def run(self, image: DecodedImage) -> Moderation:
        r, g, b = image.image.resize((1, 1)).getpixel((0, 0))  # type: ignore[misc]
        if r > 200 and g < 50 and b < 50:
            raise RuntimeError("scripted analyzer failure")
        if b > 200 and r < 50 and g < 50:
            time.sleep(6)
        if g > 200 and r < 50 and b < 50:
            return Moderation(flagged=True, labels=[ModerationLabel(label="scripted", score=1)])
        return Moderation(flagged=False)


def _png(color: str, size: int = 64) -> bytes:
    return encode(Image.new("RGB", (size, size), color), "PNG")


@pytest.fixture(scope="module")
def scripted_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    settings = make_settings(tmp_path_factory.mktemp("faults"), database_url)
    with Engine(settings, analyzers=[ScriptedModeration()]) as engine:
        with run_server(settings, engine) as live:
            yield live


def test_failed_analysis_is_the_failed_variant(scripted_server: LiveServer) -> None:
    with scripted_server.client() as client:
        response = client.post(f"{API}/images/analyze", files={"file": ("r.png", _png("red"))})
        body = response.json()
        assert response.status_code == 200
        assert set(body) == {
            "image_id",
            "status",
            "processing_time_ms",
            "job_id",
            "poll_url",
            "error",
        }
        assert body["status"] == "failed"
        assert body["error"]["type"] == "analysis_error" and body["error"]["retryable"]
        job = client.get(body["poll_url"]).json()
        assert job["status"] == "failed" and "scripted analyzer failure" in job["error_message"]
        upload = client.get(f"{API}/files/{body['image_id']}").json()
        assert upload["description_status"] == "failed"
        assert upload["description_error_type"] == "vlm_error"
        assert upload["description_is_retryable"] is True
        assert client.get("/readyz").status_code == 200


def test_short_timeout_answers_processing_then_completes(scripted_server: LiveServer) -> None:
    with scripted_server.client() as client:
        started = time.monotonic()
        response = client.post(
            f"{API}/images/analyze", files={"file": ("b.png", _png("blue"))}, data={"timeout": "5"}
        )
        body = response.json()
        assert body["status"] == "processing", body
        assert 4.5 <= time.monotonic() - started < 6
        assert set(body) == {"image_id", "status", "processing_time_ms", "job_id", "poll_url"}
        assert body["processing_time_ms"] >= 5000
        assert client.get(body["poll_url"]).json()["status"] == "processing"
        assert wait_job(client, body["job_id"])["status"] == "completed"


def test_harmful_content_on_describe_image(scripted_server: LiveServer) -> None:
    with scripted_server.client() as client:
        response = client.post(
            "/api/openapi-v2/describe-image",
            files={"image": ("g.png", _png("lime"))},
            data={"prompt": "describe"},
        )
        assert response.status_code == 400
        assert response.json() | {"detail": None} == {
            "code": 10005,
            "data": None,
            "succeed": False,
            "msg": "HARMFUL_CONTENT",
            "detail": None,
        }


def _start(data_dir: Path, database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        "IMAGELENS_DATABASE_URL": database_url,
        "IMAGELENS_BOOTSTRAP_API_KEY": ADMIN_KEY,
        "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0",
    }
    return spawn_server(data_dir, port, env)


@pytest.fixture
def own_database_url(deployment: str, tmp_path: Path) -> Iterator[str]:
    """A database no other server of this module uses: the scripted server's sweeper would
    take back the killed server's jobs (their owner is dead) and run them itself, failing
    them (seen in CI on a slow box, where the restart takes long enough for a sweep)."""
    if deployment == "sqlite":
        yield f"sqlite:///{tmp_path / 'own.db'}"
    else:
        with postgres_database() as url:
            yield url


def test_jobs_survive_a_killed_server(
    own_database_url: str, tmp_path: Path, image_dir: Path, settings: Settings
) -> None:
    del settings
    database_url = own_database_url
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    photo = Image.open(image_dir / "astronaut.jpg")
    process = _start(tmp_path, database_url, port)
    jobs: list[str] = []
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for i in range(12):  # distinct images: a rotated copy each
                data = encode(photo.rotate(i * 7), "JPEG", quality=85)
                response = client.post(
                    f"{API}/images/analyze/async", files={"file": (f"{i}.jpg", data)}
                )
                jobs.append(response.json()["job_id"])
            deadline = time.monotonic() + 60
            while client.get(f"{API}/job/{jobs[0]}").json()["status"] == "processing":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            unfinished = [
                j for j in jobs if client.get(f"{API}/job/{j}").json()["status"] == "processing"
            ]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert unfinished, "every job finished before the kill; the test proves nothing"

    process = _start(tmp_path, database_url, port)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            finished = [wait_job(client, j, timeout=120) for j in jobs]
            statuses = [f["status"] for f in finished]
            assert statuses == ["completed"] * 12, [f.get("error") for f in finished]
            assert all(len(f["results"]) == 1 for f in finished)
            names = {f"{i}.jpg" for i in range(12)}
            files = client.get(f"{API}/files", params={"limit": 500}).json()["items"]
            files = [f for f in files if f["filename"] in names]
            assert len(files) == 12  # nothing stored twice
            assert all(f["description_status"] == "completed" for f in files)
    finally:
        process.terminate()
        process.wait(timeout=30)
