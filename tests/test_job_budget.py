"""A time budget per job and a graceful stop (issue 24 item 3): a dense scanned PDF over
IMAGELENS_JOBS__MAX_SECONDS fails with analysis_timeout and is not retried; what cannot fit
even at the cheapest is refused at intake; SIGTERM hands a running job back and the process
exits within 15 s."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from imagelens.config import Settings
from imagelens.db import Database
from imagelens.db.tables import Job
from imagelens.engine import Engine
from imagelens.engine.base import Deadline, JobInterrupted
from imagelens.errors import ImageTooLarge, TimeBudgetExceeded
from imagelens.intake import decode_image
from imagelens.service.budget import check_time_budget, least_seconds
from tests.imagegen import encode, photo
from tests.live import ADMIN_KEY, free_port, make_settings, run_server, spawn_server, wait_job
from tests.pdfs import dense_scan_pdf

API = "/api/v2"


@pytest.fixture(scope="module")
def hostile() -> bytes:
    """50 pages of one dense scan, no text layer (what kept two threads busy for 13 min)."""
    return dense_scan_pdf(50)


def test_a_deadline_fails_the_job_or_hands_it_back() -> None:
    with pytest.raises(TimeBudgetExceeded) as caught:
        Deadline(0.0, started=time.monotonic() - 1).check("page 2 of 50")
    error = caught.value
    assert error.code == "analysis_timeout" and error.retryable is False
    assert "before page 2 of 50" in error.message and "MAX_SECONDS" in error.message
    stopping = threading.Event()
    deadline = Deadline(60.0, stopping=stopping)
    deadline.check()  # within budget, not stopping
    stopping.set()
    with pytest.raises(JobInterrupted):
        deadline.check()


def test_intake_refuses_a_document_that_cannot_fit(hostile: bytes) -> None:
    decoded = decode_image(hostile, Settings().limits)
    seconds, counted = least_seconds(decoded)
    assert counted == "50 scanned pages" and 10 <= seconds <= 20
    check_time_budget(decoded, 300)  # the default budget takes it
    with pytest.raises(ImageTooLarge) as caught:
        check_time_budget(decoded, 5)
    assert "IMAGELENS_JOBS__MAX_SECONDS" in caught.value.message


@pytest.fixture(scope="module")
def small_budget(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[httpx.Client, Database]]:
    """A real server whose jobs may analyse for 2 s."""
    tmp = tmp_path_factory.mktemp("budget")
    settings = make_settings(tmp, f"sqlite:///{tmp / 'imagelens.db'}", jobs={"max_seconds": 2})
    with run_server(settings, engine) as server, server.client() as client:
        assert server.services is not None
        yield client, server.services.db


def test_a_scan_over_the_budget_fails_with_analysis_timeout(
    small_budget: tuple[httpx.Client, Database], hostile: bytes
) -> None:
    client, db = small_budget
    # 50 scanned pages cannot fit in 2 s at any speed: refused before anything is stored.
    refused = client.post(f"{API}/images/analyze", files={"file": ("hostile.pdf", hostile)})
    assert refused.status_code == 413, refused.text
    assert "MAX_SECONDS" in refused.json()["error"]["message"]
    # 5 pages might fit at the floor cost (1.5 s) but take ~3.5 s each: the job stops.
    started = time.monotonic()
    accepted = client.post(
        f"{API}/images/analyze/async", files={"file": ("five.pdf", dense_scan_pdf(5))}
    )
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    done = wait_job(client, job_id, timeout=60)
    elapsed = time.monotonic() - started
    assert done["status"] == "failed", done
    assert "time budget of 2 s" in done["error_message"]
    assert elapsed < 30  # one page past the budget, not five
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.error is not None
        assert job.error["type"] == "analysis_timeout" and job.error["retryable"] is False
        assert job.attempts == 1  # not retried
    print(f"5 dense pages, 2 s budget: failed after {elapsed:.1f} s")


def _job_row(db: Database, job_id: str) -> Job:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


def test_sigterm_hands_the_running_job_back_and_exits_in_time(tmp_path: Path) -> None:
    port = free_port()
    env = {"IMAGELENS_BOOTSTRAP_API_KEY": ADMIN_KEY, "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0"}
    db = Database(f"sqlite:///{tmp_path / 'imagelens.db'}")
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    base = f"http://127.0.0.1:{port}"
    process = spawn_server(tmp_path, port, env)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            response = client.post(
                f"{API}/images/analyze/async", files={"file": ("two.pdf", dense_scan_pdf(2))}
            )
            job_id = response.json()["job_id"]
        deadline = time.monotonic() + 60
        while _job_row(db, job_id).status != "processing":  # a worker holds it
            assert time.monotonic() < deadline
            time.sleep(0.05)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        exit_s = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert exit_s < 15, exit_s
    job = _job_row(db, job_id)
    assert (job.status, job.lease_owner, job.attempts) == ("queued", None, 0)  # handed back
    print(f"exit {exit_s:.1f} s after SIGTERM")

    process = spawn_server(tmp_path, port, env)  # the next start picks it up
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            done = wait_job(client, job_id, timeout=300)
        assert done["status"] == "completed", done
        assert _job_row(db, job_id).attempts == 1
    finally:
        process.terminate()
        process.wait(timeout=30)
        db.dispose()


# `imagelens serve` (cli.serve.serve_app) on an engine whose one analyzer answers after
# argv[3] seconds: a VLM request, a page render or a video decode that outlives a stop.
SLOW_SERVE = """
import sys, time
from pathlib import Path
from imagelens.api import create_app
from imagelens.cli.serve import serve_app
from imagelens.cli.startup import settings_for
from imagelens.engine import Engine
from imagelens.types import Moderation

class Slow:
    name = "moderation"
    version = "slow"
    def load(self):
        pass
    def run(self, image):
        (Path(sys.argv[1]) / "in-analyzer").touch()
        time.sleep(float(sys.argv[3]))
        return Moderation(flagged=False)

settings = settings_for(Path(sys.argv[1]))
app = create_app(settings, engine=Engine(settings, analyzers=[Slow()]))
serve_app(app, host="127.0.0.1", port=int(sys.argv[2]), header_timeout=10)
"""


def _spawn_slow(data_dir: Path, port: int, seconds: float) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "IMAGELENS_BOOTSTRAP_API_KEY": ADMIN_KEY,
        "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0",
        "IMAGELENS_LOG_LEVEL": "WARNING",
    }
    args = [sys.executable, "-c", SLOW_SERVE, str(data_dir), str(port), str(seconds)]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return process
        assert process.poll() is None and time.monotonic() < deadline, "did not start"
        time.sleep(0.1)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_exits_in_time_with_a_job_stuck_in_an_analyzer(
    tmp_path: Path, stop: signal.Signals
) -> None:
    """One analyzer call that outlives the drain: the job is handed back and the process
    leaves at once (exit 0) instead of joining the stuck thread; the next start runs it."""
    port = free_port()
    db = Database(f"sqlite:///{tmp_path / 'imagelens.db'}")
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    base = f"http://127.0.0.1:{port}"
    process = _spawn_slow(tmp_path, port, 600)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            png = encode(photo("chelsea").resize((96, 64)), "PNG")
            response = client.post(f"{API}/images/analyze/async", files={"file": ("a.png", png)})
            job_id = response.json()["job_id"]
        deadline = time.monotonic() + 60
        while not (tmp_path / "in-analyzer").exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        signalled = time.monotonic()
        process.send_signal(stop)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
        exit_s = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert exit_s < 15, exit_s
    assert process.returncode == 0  # left on purpose, not killed by the signal
    job = _job_row(db, job_id)
    assert (job.status, job.lease_owner, job.attempts) == ("queued", None, 0)  # handed back

    process = _spawn_slow(tmp_path, port, 0)  # the next start picks it up
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            assert wait_job(client, job_id, timeout=60)["status"] == "completed"
        assert _job_row(db, job_id).attempts == 1
    finally:
        process.terminate()
        process.wait(timeout=30)
        db.dispose()
