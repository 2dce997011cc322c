"""Scale-out over real processes: an API process (no models) submitting through Celery on
the machine's Redis, `imagelens worker` processes running the jobs, PostgreSQL between them."""

from __future__ import annotations

import signal
import subprocess
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
from tests.live import (
    ADMIN_KEY,
    free_port,
    postgres_database,
    scaleout_env,
    spawn_server,
    spawn_worker,
)

API = "/api/v2"


class Cluster:
    def __init__(self, env: dict[str, str], data_dir: Path, port: int, db_url: str) -> None:
        self.env = env
        self.data_dir = data_dir
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.db_url = db_url
        self.api = spawn_server(data_dir, port, env)
        self.workers: list[subprocess.Popen[bytes]] = []

    def start_worker(self, *args: str) -> subprocess.Popen[bytes]:
        worker = spawn_worker(self.data_dir, self.env, *args)
        self.workers.append(worker)
        return worker

    def stop_workers(self) -> None:
        """kill -9 the workers earlier tests left consuming the queue."""
        for worker in self.workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=30)

    def restart_api(self) -> None:
        """kill -9 the API process and start it again (it sweeps for stranded jobs at start)."""
        self.api.kill()
        self.api.wait(timeout=30)
        self.api = spawn_server(self.data_dir, self.port, self.env)

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
        env = scaleout_env(db_url) | {
            "IMAGELENS_BOOTSTRAP_API_KEY": ADMIN_KEY,
            "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0",
            "IMAGELENS_QUOTA__MONTHLY_ANALYSES": "0",
            "IMAGELENS_JOBS__SWEEP_INTERVAL": "1",  # leases of 3 s
            "IMAGELENS_LOG_LEVEL": "WARNING",
        }
        cluster = Cluster(env, data_dir, free_port(), db_url)
        try:
            yield cluster
        finally:
            for process in [cluster.api, *cluster.workers]:
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


def test_two_workers_300_jobs_each_once_and_sync_answers(cluster: Cluster) -> None:
    workers = [cluster.start_worker("--concurrency", "1") for _ in range(2)]
    with cluster.client() as client:
        accepted = [
            client.post(f"{API}/images/analyze/async", files={"file": (f"w{i}.jpg", _photo(i))})
            for i in range(300)
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
        assert _wait_all(client, job_ids, 600) == ["completed"] * 300  # none lost
        rows = {row.id: row for row in cluster.job_rows()}
        assert all(rows[j].status == "completed" for j in job_ids)
        # None done twice: only the killed worker's job was claimed a second time.
        assert sum(rows[j].attempts for j in job_ids) <= 301
        files = client.get(f"{API}/files", params={"limit": 500}).json()["items"]
        mine = [f for f in files if f["filename"].startswith("w")]
        assert len(mine) == 300 and all(f["status"] == "completed" for f in mine)  # one each

        started = time.monotonic()
        response = client.post(
            f"{API}/images/analyze", files={"file": ("sync.jpg", _photo(999))}, data={"timeout": 60}
        )
        assert response.json()["status"] == "completed"
        assert time.monotonic() - started < 30  # woken by the worker's event, not the timeout
        described = client.post(
            "/api/openapi-v2/describe-image",
            files={"image": ("d.jpg", _photo(998))},
            data={"prompt": "describe"},
        )
        assert described.json()["succeed"] is True  # answered by a worker
    # The API process never loaded a model (the engine alone is > 300 MB resident).
    assert psutil.Process(cluster.api.pid).memory_info().rss < 300 * 1024**2


def test_restarting_the_api_leaves_running_jobs_alone(cluster: Cluster) -> None:
    worker = cluster.start_worker("--concurrency", "1")
    with cluster.client() as client:
        job_ids = [
            client.post(
                f"{API}/images/analyze/async", files={"file": (f"r{i}.jpg", _photo(500 + i))}
            ).json()["job_id"]
            for i in range(4)
        ]
        deadline = time.monotonic() + 120
        while not (held := [r for r in cluster.job_rows() if r.id in job_ids and r.lease_owner]):
            assert time.monotonic() < deadline, "the worker never took a job"
            time.sleep(0.02)
        cluster.restart_api()
        after = {row.id: row for row in cluster.job_rows()}[held[0].id]
        # Still the worker's (or finished by it), never taken back by the new API process.
        assert after.status == "completed" or after.lease_owner == held[0].lease_owner
        assert _wait_all(client, job_ids, 120) == ["completed"] * 4
    assert all(row.attempts == 1 for row in cluster.job_rows() if row.id in job_ids)
    worker.kill()


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
    queue.submit("job-1")
    queue.submit("job-2", waiting=True)
    try:
        deadline = time.monotonic() + 10
        while queue.pending() < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # What a worker receives: the job id, and whether a caller waits on it, in the
        # queue of its kind.
        received = []
        with app.connection_for_read() as connection:
            for queue_name in (name, queue.waiting_name):
                inbox = connection.SimpleQueue(queue_name)
                message = inbox.get(timeout=5)
                args, kwargs, _embed = message.decode()
                received.append((queue_name, args, kwargs))
                message.ack()
                inbox.close()
        assert received == [
            (name, ["job-1"], {"waiting": False}),
            (f"{name}.waiting", ["job-2"], {"waiting": True}),
        ]
    finally:
        with app.connection_for_write() as connection:
            for queue_name in queue.consumed:
                connection.default_channel.queue_delete(queue_name)


def test_a_worker_reads_waited_on_jobs_before_the_background_backlog(tmp_path: Path) -> None:
    """On Redis, describe-image or sync analyze jobs sent after 6 background jobs are the
    next jobs a worker takes, all of them before any background job (Redis' default round
    robin between queues would alternate)."""
    from celery.contrib.testing.worker import start_worker

    from imagelens.db import Database, upgrade
    from imagelens.jobs.celery import TASK, CeleryQueue, celery_app

    name = f"imagelens-test-{uuid.uuid4().hex[:8]}"
    app = celery_app("redis://127.0.0.1:6379/14", name)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    queue = CeleryQueue(app, Database(url), max_attempts=3)
    taken: list[str] = []

    def run_job(job_id: str, waiting: bool = False) -> None:
        del waiting
        taken.append(job_id)
        time.sleep(0.05)

    app.task(name=TASK, shared=False)(run_job)
    for n in range(6):
        queue.submit(f"background-{n}")
    for n in range(3):
        queue.submit(f"waiting-{n}", waiting=True)
    try:
        with start_worker(
            app, queues=list(queue.consumed), perform_ping_check=False, shutdown_timeout=30
        ):
            deadline = time.monotonic() + 30
            while len(taken) < 9:
                assert time.monotonic() < deadline, taken
                time.sleep(0.05)
    finally:
        with app.connection_for_write() as connection:
            for queue_name in queue.consumed:
                connection.default_channel.queue_delete(queue_name)
    assert taken == [f"waiting-{n}" for n in range(3)] + [f"background-{n}" for n in range(6)]


def test_sigterm_on_a_worker_hands_its_running_job_to_another(cluster: Cluster) -> None:
    from tests.pdfs import dense_scan_pdf

    # A worker an earlier test left running consumes the same queue: idle while this one
    # loads its models, it would take the job, and the worker signalled would hold nothing.
    cluster.stop_workers()
    worker = cluster.start_worker("--concurrency", "1")
    with cluster.client() as client:
        scan = dense_scan_pdf(3)  # ~10 s of OCR: still running when the signal comes
        job_id = client.post(
            f"{API}/images/analyze/async", files={"file": ("scan.pdf", scan)}
        ).json()["job_id"]
        deadline = time.monotonic() + 120
        while not (owner := {r.id: r.lease_owner for r in cluster.job_rows()}.get(job_id)):
            assert time.monotonic() < deadline, "the worker never took the job"
            time.sleep(0.05)
        assert f":{worker.pid}:" in owner, f"{owner} took the job, not the worker signalled"
        signalled = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        exit_s = time.monotonic() - signalled
        row = {r.id: r for r in cluster.job_rows()}[job_id]
        assert (row.status, row.lease_owner, row.attempts) == ("queued", None, 0)
        cluster.start_worker("--burst")  # the job was sent to the broker again
        assert _wait_all(client, [job_id], 240) == ["completed"]
    assert exit_s < 15, exit_s
    print(f"worker exit {exit_s:.1f} s after SIGTERM")
