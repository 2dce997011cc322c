"""The job sweeper and batch intake on a real database (SQLite and PostgreSQL), with the
runner and the object store replaced by recording / fault-injecting doubles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Collection, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from imagelens.config import Settings
from imagelens.db import Database
from imagelens.db.jobs import claim, get_session, stranded_jobs
from imagelens.db.tables import Image, Job, UploadSession, utcnow
from imagelens.engine import Engine
from imagelens.engine.analyst import Analyst
from imagelens.engine.runtime import thread_niceness
from imagelens.intake import DecodedImage, Decoder
from imagelens.jobs import InProcessQueue, Lease
from imagelens.jobs.lease import owner_is_dead
from imagelens.service.batch import ingest_batch
from imagelens.service.describe import Describer
from imagelens.service.ingest import Ingestor, IngestRequest
from imagelens.storage import LocalStore, upload_key
from imagelens.storage.tenants import TenantStores
from imagelens.types import DescribeOptions, Moderation, ModerationLabel, RequestedOptions
from tests.imagegen import encode, photo
from tests.jobrig import RecordingQueue, fresh_database, job_rig

TENANT = "jobs-test"
RUN: dict[str, Any] = {"capture_output": True, "text": True, "check": True}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh database per test: the sweeper looks at every job in it."""
    with fresh_database(request.param, tmp_path / "jobs.db", TENANT) as database:
        yield database


class RecordingRunner:
    """Stands in for JobRunner: records the ids it is handed; ``block`` holds a job."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.release = threading.Event()
        self.block: str | None = None

    def run(self, job_id: str, image: DecodedImage | None = None) -> None:
        del image
        if job_id == self.block:
            self.release.wait(30)
        self.ran.append(job_id)

    def interrupt(self) -> None:
        pass

    def hand_back(self, job_ids: Collection[str]) -> None:
        del job_ids


class NicenessRunner:
    """Stands in for JobRunner: records the nice value each job ran at; jobs whose id starts
    with "background" wait for ``release``."""

    def __init__(self) -> None:
        self.niceness: dict[str, int] = {}
        self.release = threading.Event()

    def run(self, job_id: str, image: DecodedImage | None = None) -> None:
        del image
        self.niceness[job_id] = thread_niceness()
        if job_id.startswith("background"):
            self.release.wait(30)

    def interrupt(self) -> None:
        pass

    def hand_back(self, job_ids: Collection[str]) -> None:
        del job_ids


def _job(db: Database, status: str, *, age: float = 120, job_type: str = "image") -> str:
    job_id = str(uuid.uuid4())
    with db.session() as session:
        session.add(
            Job(
                id=job_id,
                tenant_id=TENANT,
                job_type=job_type,
                status=status,
                image_id=None,
                options={},
                attempts=1 if status == "processing" else 0,
                created_at=utcnow() - timedelta(seconds=age),
            )
        )
    return job_id


def test_the_sweeper_hands_stranded_jobs_to_workers(db: Database) -> None:
    runner = RecordingRunner()
    queue = InProcessQueue(runner, db, workers=2, max_attempts=3, sweep_interval=3600)
    try:
        held = _job(db, "queued")
        runner.block = held
        queue.submit(held)  # a worker of this process holds it: left alone
        queued = _job(db, "queued")  # accepted, never handed to a worker
        stranded = _job(db, "processing")  # its worker could not save the result
        fresh = _job(db, "queued", age=0)  # just accepted: the request submits it itself
        batch = _job(db, "processing", job_type="batch")
        assert queue.sweep(grace=30) == 2
        runner.release.set()
        deadline = time.monotonic() + 30
        while len(runner.ran) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sorted(runner.ran) == sorted([held, queued, stranded])
        with db.session() as session:
            assert session.get(Job, stranded).status == "queued"  # type: ignore[union-attr]
            assert session.get(Job, batch).status == "processing"  # type: ignore[union-attr]
            assert session.get(Job, fresh).status == "queued"  # type: ignore[union-attr]
    finally:
        runner.release.set()
        queue.stop()


def test_a_job_someone_waits_on_overtakes_background_work_at_full_priority(
    db: Database,
) -> None:
    """Background jobs run niced on their own threads; a synchronous call's job neither
    queues behind them nor shares their nice value."""
    runner = NicenessRunner()
    niceness, release = runner.niceness, runner.release
    queue = InProcessQueue(runner, db, workers=1, max_attempts=3, niceness=7)
    try:
        for n in range(3):
            queue.submit(f"background-{n}")
        queue.submit("waiting", waiting=True)
        deadline = time.monotonic() + 10
        while "waiting" not in niceness and time.monotonic() < deadline:
            time.sleep(0.01)
        assert niceness == {"background-0": 7, "waiting": 0}  # the rest still queued
        release.set()
        while len(niceness) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert niceness == {
            "background-0": 7,
            "background-1": 7,
            "background-2": 7,
            "waiting": 0,
        }
    finally:
        release.set()
        queue.stop()


def test_a_worker_runs_background_jobs_niced_and_waited_on_ones_at_full_priority(
    db: Database,
) -> None:
    from imagelens.jobs.celery import CeleryQueue, celery_app
    from imagelens.jobs.worker import Worker

    runner = NicenessRunner()
    runner.release.set()
    app = celery_app("redis://127.0.0.1:6379/15", "imagelens-unused")  # never connected
    worker = Worker(
        app=app,
        runner=runner,
        db=db,
        lease=Lease.for_this_process(60),
        queue=CeleryQueue(app, db, max_attempts=3),
        renew_every=60,
        niceness=7,
    )
    background = worker.start_background(1)
    try:
        worker._run_job("background")  # as Celery's thread calls the task
        worker._run_job("waiting", waiting=True)
    finally:
        background.shutdown()
    assert runner.niceness == {"background": 7, "waiting": 0}


def test_restart_never_requeues_batch_jobs(db: Database) -> None:
    batch = _job(db, "processing", job_type="batch")
    with db.session() as session:
        assert batch not in stranded_jobs(session=session, max_attempts=3)
        assert session.get(Job, batch).status == "processing"  # type: ignore[union-attr]


class FailingStore(LocalStore):
    """A local store whose ``fail_on``-th put raises an unexpected error (a bug, an outage)."""

    def __init__(self, root: Path, fail_on: int) -> None:
        super().__init__(root)
        self.puts = 0
        self.fail_on = fail_on

    def put(self, key: str, data: bytes) -> None:
        self.puts += 1
        if self.puts == self.fail_on:
            raise RuntimeError("injected store failure")
        super().put(key, data)


def test_a_batch_session_is_always_written_whole(
    db: Database, engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    queue = RecordingQueue()
    ingestor = Ingestor(
        settings=settings,
        decoder=Decoder(settings.limits),
        db=db,
        stores=TenantStores(FailingStore(tmp_path / "objects", fail_on=2), db, None),
        queue=queue,
        analyst=Analyst(engine, None),
    )
    files = [(f"{i}.png", encode(photo("chelsea").resize((60 + i, 40)), "PNG")) for i in range(3)]
    accepted = ingest_batch(
        ingestor, tenant_id=TENANT, files=files, options=RequestedOptions(), skip_duplicates=False
    )
    failed = [r for r in accepted.results if r.description_status == "failed"]
    assert len(failed) == 1 and "Internal error" in (failed[0].description_error or "")
    assert failed[0].description_is_retryable is True
    assert len(queue.submitted) == 2
    with db.session() as session:
        upload = get_session(session=session, tenant_id=TENANT, session_id=accepted.session_id)
        assert isinstance(upload, UploadSession)
        assert (upload.total, upload.rejected, upload.skipped) == (3, 1, 0)


def _lease(db: Database, job_id: str, owner: str, seconds_left: float) -> None:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.lease_owner = owner
        job.lease_expires_at = utcnow() + timedelta(seconds=seconds_left)


def test_a_live_workers_lease_is_respected_until_it_runs_out(db: Database) -> None:
    runner = RecordingRunner()
    queue = InProcessQueue(runner, db, workers=1, max_attempts=3, sweep_interval=3600)
    try:
        elsewhere = _job(db, "processing")
        _lease(db, elsewhere, "another-host:4242:abcd", seconds_left=60)
        assert queue.sweep(grace=30) == 0  # a worker on another machine holds it
        _lease(db, elsewhere, "another-host:4242:abcd", seconds_left=-1)
        assert queue.sweep(grace=30) == 1  # its lease ran out: the job is run here
        deadline = time.monotonic() + 30
        while runner.ran != [elsewhere] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert runner.ran == [elsewhere]
    finally:
        queue.stop()


def test_a_restart_takes_back_the_jobs_of_its_dead_predecessor(db: Database) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **RUN)
    pid = int(dead.stdout)
    orphan = _job(db, "processing")
    _lease(db, orphan, f"{socket.gethostname()}:{pid}:0ld", seconds_left=600)
    live = _job(db, "processing")
    _lease(db, live, f"{socket.gethostname()}:{os.getppid()}:a11ve", seconds_left=600)
    with db.session() as session:
        queued = stranded_jobs(session=session, max_attempts=3, is_dead=owner_is_dead)
    assert orphan in queued and live not in queued


def test_owner_liveness() -> None:
    host = socket.gethostname()
    assert owner_is_dead(f"{host}:{os.getpid()}:another-start")  # this pid, earlier start
    assert not owner_is_dead(f"{host}:{os.getppid()}:x")  # a live process
    assert not owner_is_dead(f"elsewhere:{os.getpid()}:x")  # other hosts: leases decide
    mine = Lease.for_this_process(90).owner
    assert mine.startswith(f"{host}:{os.getpid()}:")
    assert not owner_is_dead(mine)  # this pid, this start: its jobs are running here


def test_a_sweep_leaves_the_jobs_this_process_is_running_alone(
    db: Database, tmp_path: Path
) -> None:
    """A sweep while one of this process's jobs is inside an analyzer: the job stays this
    process's and its outcome is saved. (The sweeper once judged every owner with this pid
    dead, reset its own running job to ``queued`` and dropped the outcome; a caller waiting
    on that job waited until its timeout.)"""
    settings = Settings(data_dir=tmp_path)
    gate = LateGate()
    with job_rig(db, settings, LocalStore(tmp_path / "objects"), analyzers=[gate]) as rig:
        lease = Lease.for_this_process(60)
        queue = InProcessQueue(
            rig.runner(lease), db, workers=1, max_attempts=3, sweep_interval=3600, lease=lease
        )
        png = encode(photo("chelsea").resize((96, 64)), "PNG")
        job_id = rig.ingestor.ingest(
            IngestRequest(tenant_id=TENANT, data=png, filename="a.png")
        ).job_id
        assert job_id is not None
        try:
            queue.submit(job_id)
            assert gate.entered.wait(30)
            queue.sweep(grace=0)  # (counts only jobs it hands out: 0 either way)
            assert _row(db, job_id)[:2] == ("processing", lease.owner)  # not taken back
            gate.release.set()
            deadline = time.monotonic() + 30
            while _row(db, job_id)[0] == "processing" and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            gate.release.set()
            queue.stop()
        status, owner, attempts, _, _, image = _row(db, job_id)
        assert (status, owner, attempts) == ("completed", None, 1)
        assert image[0] == "completed" and image[1]["moderation"]["flagged"]  # its own outcome
        assert gate.calls == 1


class LateGate:
    """Stands in for the moderation analyzer: the first call waits in the analyzer (a VLM
    request that outlives a stop) until ``release`` and then flags the image; later calls
    answer at once, unflagged."""

    name = "moderation"
    version = "late-gate"

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def load(self) -> None:
        pass

    def run(self, image: DecodedImage) -> Moderation:
        del image
        self.calls += 1
        if self.calls > 1:
            return Moderation(flagged=False)
        self.entered.set()
        self.release.wait(30)
        return Moderation(flagged=True, labels=[ModerationLabel(label="late", score=1.0)])


def _row(db: Database, job_id: str) -> tuple[Any, ...]:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        image = session.get(Image, job.image_id) if job.image_id else None
        return (
            job.status,
            job.lease_owner,
            job.attempts,
            job.completed_at,
            job.result,
            image and (image.status, image.result),
        )


@pytest.mark.parametrize("job_type", ["image", "describe"])
@pytest.mark.parametrize("then", ["queued", "claimed", "finished"])
def test_a_job_handed_back_is_never_finished_by_its_old_thread(
    db: Database, tmp_path: Path, job_type: str, then: str
) -> None:
    """A thread stuck in an analyzer when its job was handed back (a stop) returns late: its
    outcome is dropped, whether the job is queued again, claimed by another process or
    already finished there."""
    settings = Settings(data_dir=tmp_path)
    gate = LateGate()
    store = LocalStore(tmp_path / "objects")
    with job_rig(db, settings, store, analyzers=[gate]) as rig:
        old, other = (
            rig.runner(Lease("old-host:1:old", 60)),
            rig.runner(Lease("new-host:2:new", 60)),
        )
        ingestor = rig.ingestor
        png = encode(photo("chelsea").resize((96, 64)), "PNG")
        if job_type == "image":
            request = IngestRequest(tenant_id=TENANT, data=png, filename="a.png")
            job_id = ingestor.ingest(request).job_id
        else:
            describer = Describer(
                db=db, store=store, decoder=rig.decoder, queue=rig.queue, ingestor=ingestor
            )
            job_id = describer.submit(TENANT, png, DescribeOptions(prompt="What is it?"))
        assert job_id is not None
        stuck = threading.Thread(target=old.run, args=(job_id,))
        stuck.start()
        try:
            assert gate.entered.wait(30)
            old.hand_back([job_id])
            if then == "claimed":
                with db.session() as session:
                    assert claim(session=session, job_id=job_id, owner="new-host:2:new", lease=60)
            elif then == "finished":
                assert other.run(job_id) is False
        finally:
            gate.release.set()
            stuck.join(30)
        assert not stuck.is_alive()
        status, owner, attempts, completed_at, result, image = _row(db, job_id)
        if then == "queued":
            assert (status, owner, attempts, completed_at, result) == (
                "queued",
                None,
                0,
                None,
                None,
            )
            assert image in (None, ("queued", None))
        elif then == "claimed":
            assert (status, owner, attempts, completed_at) == (
                "processing",
                "new-host:2:new",
                1,
                None,
            )
            assert image in (None, ("queued", None))  # as the claim left it
        else:
            assert (status, owner, attempts) == ("completed", None, 1)
            if job_type == "image":  # the other process's result, not the late one
                assert image[0] == "completed" and not image[1]["moderation"]["flagged"]
            else:
                assert result is not None and result["content"]
        # A describe upload stays for whoever runs the job now (removed once it is done).
        if job_type == "describe":
            assert store.exists(upload_key(job_id)) is (then != "finished")
