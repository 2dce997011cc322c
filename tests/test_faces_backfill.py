"""``imagelens faces backfill``: images stored while a tenant had recognition off are
recognised once it turns it on — through the real CLI, against the real server's database
and store, with real face models; a second run has nothing to do."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import ImageOps

from imagelens.engine import Engine
from tests import imagegen
from tests.live import LiveServer, make_settings, run_server

API = "/api/v2"


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("data")
    database = f"sqlite:///{data_dir / 'imagelens.db'}"
    settings = make_settings(data_dir, database, faces={"recognition": True})
    with run_server(settings, engine) as live:
        yield live


def _cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "HF_HUB_OFFLINE": "1",
        "IMAGELENS_DATABASE_URL": server.settings.resolved_database_url,
        "IMAGELENS_FACES__RECOGNITION": "true",
    }
    data_dir = str(Path(server.settings.data_dir))
    return subprocess.run(
        [sys.executable, "-m", "imagelens.cli", "faces", "backfill", "--data-dir", data_dir, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_backfill_recognises_what_was_stored_before(server: LiveServer) -> None:
    photos = {
        "a.jpg": imagegen.photo("astronaut"),
        "b.jpg": ImageOps.mirror(imagegen.photo("astronaut")).resize((380, 380)),
        "h.jpg": imagegen.photo("grace_hopper"),
        "cat.jpg": imagegen.photo("chelsea"),
    }
    with server.client(timeout=120) as client:
        ids = {}
        for name, picture in photos.items():
            response = client.post(
                f"{API}/images/analyze",
                files={"file": (name, imagegen.encode(picture, "JPEG"), "image/jpeg")},
            )
            assert response.json()["status"] == "completed", response.text
            ids[name] = response.json()["image_id"]
            # Recognition is off: faces are found and counted, nobody is recognised.
            assert all(f["person_id"] is None for f in response.json()["faces"])
        assert client.put(f"{API}/settings/faces", json={"recognition": True}).status_code == 200
        assert client.get(f"{API}/people").json()["items"] == []

        first = _cli(server)
        assert first.returncode == 0, first.stderr
        assert "4 images recognised, 3 faces, 0 failed" in first.stdout, first.stdout

        people = client.get(f"{API}/people").json()["items"]
        assert sorted(p["face_count"] for p in people) == [1, 2]
        record = client.get(f"{API}/files/{ids['b.jpg']}").json()
        assert (
            record["faces"][0]["person_id"]
            == max(people, key=lambda p: p["face_count"])["person_id"]
        )
        again = _cli(server)
        assert again.returncode == 0 and "0 images recognised" in again.stdout, again.stdout
