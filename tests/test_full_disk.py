"""A full disk: a real small filesystem (tmpfs) under the data dir, plus injected faults."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy.exc import OperationalError

from imagelens.db.engine import _disk_full
from imagelens.engine import Engine
from imagelens.errors import InsufficientStorage
from imagelens.intake import DecodedImage
from imagelens.storage import LocalStore, original_key
from imagelens.storage.local import _disk_errors
from imagelens.types import Moderation
from tests.imagegen import encode
from tests.live import make_settings, run_server, wait_job

API = "/api/v2"


class Gate:
    """A test double standing in for the moderation analyzer: every analysis waits until the
    test opens the gate, so the test decides what the disk looks like when results are saved."""

    name = "moderation"
    version = "gate"

    def __init__(self) -> None:
        self.open = threading.Event()

    def load(self) -> None:
        pass

    def run(self, image: DecodedImage) -> Moderation:
        del image
        self.open.wait(60)
        return Moderation(flagged=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MB tmpfs: a real file system that runs out of space."""
    if os.geteuid() != 0:
        pytest.skip("FULL-DISK TEST SKIPPED: mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        pytest.skip(f"FULL-DISK TEST SKIPPED: cannot mount a tmpfs ({done.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(path: Path) -> None:
    with path.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def _png(i: int) -> bytes:
    return encode(Image.new("RGB", (48, 48), (i * 9 % 256, 80, 120)), "PNG")


def test_full_disk_answers_507_and_stranded_jobs_finish_after(
    small_disk: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    if database_url.startswith("sqlite"):  # the database on the small disk too
        database_url = f"sqlite:///{small_disk / 'imagelens.db'}"
    settings = make_settings(
        small_disk / "data",
        database_url,
        # Leases of 3 sweeps (3 s): short, so stranded jobs come back within the test, yet
        # long enough that a starved sweeper on a busy box does not take running jobs back
        # (their late outcomes are then rightly dropped, and they run again).
        jobs={"workers": 1, "sweep_interval": 1.0},
    )
    gate = Gate()
    with (
        Engine(settings, analyzers=[gate]) as engine,
        run_server(settings, engine) as live,
        live.client() as client,
    ):
        # Accepted while there is space; the worker holds them at the gate.
        accepted = [
            client.post(f"{API}/images/analyze/async", files={"file": (f"{i}.png", _png(i))})
            for i in range(4)
        ]
        assert [r.status_code for r in accepted] == [202] * 4
        filler = small_disk / "filler"
        _fill(filler)

        def post(i: int) -> httpx.Response:
            with live.client() as each:
                path = "/images/analyze" if i % 2 else "/files/upload"
                return each.post(API + path, files={"file": (f"n{i}.png", _png(100 + i))})

        with ThreadPoolExecutor(20) as pool:
            burst = list(pool.map(post, range(20)))  # a dropped connection would raise here
        assert {r.status_code for r in burst} == {507}, [r.text for r in burst]
        error = burst[0].json()["error"]
        assert error["code"] == "insufficient_storage" and error["retryable"] is True
        gate.open.set()  # results are saved now, onto a full disk (SQLite) or not (PostgreSQL)
        if settings.resolved_database_url.startswith("sqlite"):
            # The SQLite file is on the full disk too: the worker cannot save its result,
            # and the job is stranded in `processing` until the sweeper sees it.
            deadline = time.monotonic() + 20
            while not any(r.getMessage() == "job crashed" for r in caplog.records):
                assert time.monotonic() < deadline, "the save on a full disk did not fail"
                time.sleep(0.05)

        filler.unlink()  # space is back: no restart, the sweeper picks up what was stranded
        for response in accepted:
            assert wait_job(client, response.json()["job_id"], 30)["status"] == "completed"
        items = client.get(f"{API}/files", params={"limit": 100}).json()["items"]
        assert len(items) == 4  # none of the refused uploads left a row
        stored = {p.name for p in (settings.data_dir / "objects").rglob("*") if p.is_file()}
        assert {name for name in stored if not name.endswith(".webp")} == {
            original_key(_hash(client, item["image_id"])).rsplit("/", 1)[1] for item in items
        }  # and none left an object or a temp file
        ok = client.post(f"{API}/images/analyze/async", files={"file": ("late.png", _png(7))})
        assert ok.status_code == 202


def _hash(client: httpx.Client, image_id: str) -> str:
    import hashlib

    return hashlib.sha256(client.get(f"{API}/files/{image_id}/content").content).hexdigest()


def test_injected_faults_are_classified(tmp_path: Path) -> None:
    """The translations at the boundary, without a real full disk."""
    with pytest.raises(InsufficientStorage), _disk_errors("originals/ab/cd/x"):
        raise OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(PermissionError), _disk_errors("originals/ab/cd/x"):
        raise PermissionError(errno.EACCES, "denied")  # other errors pass through
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13
    assert _disk_full(OperationalError("INSERT", {}, full))
    assert not _disk_full(OperationalError("INSERT", {}, sqlite3.OperationalError("locked")))
    # A put of existing bytes writes again (constant time whoever stored them first).
    store = LocalStore(tmp_path)
    key = original_key("ab" * 32)
    store.put(key, b"same bytes")
    first = os.stat(tmp_path / key).st_ino
    store.put(key, b"same bytes")
    assert os.stat(tmp_path / key).st_ino != first
    assert store.get(key, max_bytes=10) == b"same bytes"
