"""Scale-out over real processes: an API process (no models) submitting through Celery on
the machine's Redis, `imagelens worker` processes running the jobs, PostgreSQL between them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import sqlalchemy

from tests.imagegen import encode, photo
from tests.live import ADMIN_KEY, free_port, postgres_database, spawn_server

API = "/api/v2"


class Cluster:
    def __init__(self, env: dict[str, str], data_dir: Path, base_url: str, db_url: str) -> None:
        self.env = env
        self.data_dir = data_dir
        self.base_url = base_url
        self.db_url = db_url
        self.workers: list[subprocess.Popen[bytes]] = []

    def start_worker(self, *args: str) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "imagelens.cli", "worker"]
        worker = subprocess.Popen(
            [*command, "--data-dir", str(self.data_dir), *args],
            env=os.environ | {"HF_HUB_OFFLINE": "1"} | self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.workers.append(worker)
        return worker

    def client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=120)

    def job_rows(self) -> list[Any]:
        engine = sqlalchemy.create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                query = "SELECT id, status, attempts, lease_owner FROM jobs WHERE job_type='image'"
                return list(conn.execute(sqlalchemy.text(query)))
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data_dir = tmp_path_factory.mktemp("scaleout")
    with postgres_database() as db_url:
        env = {
            "IMAGELENS_DATABASE_URL": db_url,
            "IMAGELENS_QUEUE__KIND": "celery",
            "IMAGELENS_QUEUE__BROKER_URL": "redis://127.0.0.1:6379/12",
            "IMAGELENS_QUEUE__NAME": f"imagelens-test-{uuid.uuid4().hex[:8]}",
            "IMAGELENS_REDIS_URL": "redis://127.0.0.1:6379/13",
            "IMAGELENS_BOOTSTRAP_API_KEY": ADMIN_KEY,
            "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0",
            "IMAGELENS_QUOTA__MONTHLY_ANALYSES": "0",
            "IMAGELENS_JOBS__SWEEP_INTERVAL": "1",  # leases of 3 s
            "IMAGELENS_LOG_LEVEL": "WARNING",
        }
        port = free_port()
        api = spawn_server(data_dir, port, env)
        cluster = Cluster(env, data_dir, f"http://127.0.0.1:{port}", db_url)
        try:
            yield cluster
        finally:
            for process in [api, *cluster.workers]:
                process.kill()
                process.wait(timeout=30)


def _wait_all(client: httpx.Client, job_ids: list[str], timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        states = [client.get(f"{API}/job/{j}").json()["status"] for j in job_ids]
        if all(s != "processing" for s in states) or time.monotonic() > deadline:
            return states
        time.sleep(0.3)


def _photo(i: int) -> bytes:
    return encode(photo("chelsea").resize((160 + i, 120)), "JPEG")


def test_jobs_wait_for_a_worker_then_a_burst_worker_drains_them(cluster: Cluster) -> None:
    with cluster.client() as client:
        started = time.monotonic()
        accepted = [
            client.post(f"{API}/images/analyze/async", files={"file": (f"{i}.jpg", _photo(i))})
            for i in range(6)
        ]
        assert time.monotonic() - started < 10  # the API process loads no models
        job_ids = [r.json()["job_id"] for r in accepted]
        assert _wait_all(client, job_ids, 2) == ["processing"] * 6  # no worker yet
        burst = cluster.start_worker("--burst")
        assert burst.wait(timeout=180) == 0  # drained the queue, then exited by itself
        assert _wait_all(client, job_ids, 5) == ["completed"] * 6


def test_two_workers_every_job_once_and_sync_answers(cluster: Cluster) -> None:
    workers = [cluster.start_worker("--concurrency", "1") for _ in range(2)]
    with cluster.client() as client:
        accepted = [
            client.post(f"{API}/images/analyze/async", files={"file": (f"w{i}.jpg", _photo(i))})
            for i in range(30)
        ]
        job_ids = [r.json()["job_id"] for r in accepted]
        # Kill one worker once it holds a job; its job must finish on the other one.
        victim = psutil.Process(workers[0].pid)
        deadline = time.monotonic() + 120
        while not any(
            row.lease_owner and f":{victim.pid}:" in row.lease_owner
            for row in cluster.job_rows()
            if row.status == "processing"
        ):
            assert time.monotonic() < deadline, "the first worker never took a job"
            time.sleep(0.05)
        workers[0].send_signal(signal.SIGKILL)
        assert _wait_all(client, job_ids, 240) == ["completed"] * 30
        rows = {row.id: row for row in cluster.job_rows()}
        assert all(rows[j].status == "completed" for j in job_ids)
        assert sum(rows[j].attempts for j in job_ids) <= 31  # the killed one ran twice at most
        files = client.get(f"{API}/files", params={"limit": 500}).json()["items"]
        assert len({f["image_id"] for f in files}) == len(files)  # one image per upload

        started = time.monotonic()
        response = client.post(
            f"{API}/images/analyze", files={"file": ("sync.jpg", _photo(99))}, data={"timeout": 60}
        )
        assert response.json()["status"] == "completed"
        assert time.monotonic() - started < 30  # woken by the worker's event, not the timeout


def test_rabbitmq_works_as_the_broker(tmp_path: Path) -> None:
    """The same queue on RabbitMQ (127.0.0.1:5672): sent job ids wait there for workers."""
    from imagelens.db import Database, upgrade
    from imagelens.jobs.celery import CeleryQueue, celery_app

    name = f"imagelens-test-{uuid.uuid4().hex[:8]}"
    app = celery_app("amqp://guest:guest@127.0.0.1:5672//", name)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    queue = CeleryQueue(app, Database(url), max_attempts=3)
    queue.check()
    assert queue.pending() == 0
    for job_id in ("job-1", "job-2"):
        queue.submit(job_id)
    try:
        deadline = time.monotonic() + 10
        while queue.pending() < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(name)
