"""Benchmark the scale-out mode: API acceptance without models, and workers 1 vs 2.

Needs the machine's PostgreSQL and Redis. Starts real processes and measures in one run:
- async acceptance of ``imagelens serve --role api`` (Celery queue, PostgreSQL, no models
  loaded) with ``--clients`` concurrent clients, next to a bare FastAPI endpoint that does the
  same upload + hash + file write + INSERT (goal: >= 300 jobs/s and >= 90% of the bare one),
  in rounds that take turns going first (the median round's ratio);
- the same async acceptance of ``imagelens serve`` embedded (SQLite, in-process jobs) next to
  the bare endpoint on SQLite (goal: ratio >= 0.8);
- jobs through the broker with a no-op analyzer (an engine with no analyzers: claim, read
  the stored original, decode, save, event), two burst workers pinned one per core with 8
  threads each, next to a bare Celery no-op task on the same Redis broker with the same
  workers, concurrency and delivery settings (goal: ratio >= 0.8), and next to the same
  bare task doing a job's durable work with psycopg alone (claim with ``UPDATE ...
  RETURNING`` and commit, read and decode the image, save and commit, publish the event):
  ``ratio_durable``, the distance to what a job that survives restarts can reach;
- the SQL statements, transactions and round trips of one submission and one no-op job on
  PostgreSQL (counted with SQLAlchemy's cursor events);
- analysis throughput with 1 and then 2 burst workers, each pinned to its own core
  (``taskset``) with one model thread (goal: 2 workers >= 1.8x one, start-up included).
Worker throughput is counted from the round's first claim to its last completion (the
jobs' own timestamps), so process start-up and model loading are left out; the wall time
with them is reported too (``speedup_with_startup``). Every worker runs at nice 0, as the
bare Celery worker does. The load average before and after is recorded: on a shared box
compare the ratios of one run, not absolute rates. Prints a report and writes
``scaleout.json`` into ``--out``. ``benchmarks/profile_acceptance.py`` profiles the api
role's submission in process.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy
from fastapi import FastAPI, UploadFile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.imagegen import encode, noise_photo, photo
from tests.live import free_port, postgres_database, spawn_server
from tests.sqlcount import measure_costs

KEY = "il_benchmark_key_000000000000000000"


async def flood(url: str, images: list[bytes], clients: int, field: str = "file") -> float:
    """POST every image to ``url`` from ``clients`` concurrent clients; seconds taken."""
    pending = list(range(len(images)))
    headers = {"Authorization": f"Bearer {KEY}"}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=120) as client:

        async def one_client() -> None:
            while pending:
                i = pending.pop()
                response = await client.post(url, files={field: (f"{i}.png", images[i])})
                assert response.status_code in (200, 201, 202), response.text

        start = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        return time.perf_counter() - start


def bare_server(port: int, db_url: str, store: Path) -> None:
    """The baseline: upload + sha256 + file write + INSERT, nothing else (run as a process)."""
    import uvicorn

    engine = sqlalchemy.create_engine(db_url, pool_size=10)
    if db_url.startswith("sqlite"):  # tuned as imagelens tunes it (db/engine.py)

        @sqlalchemy.event.listens_for(engine, "connect")
        def pragmas(connection: Any, _record: object) -> None:
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
                connection.execute(f"PRAGMA {pragma}")

    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("CREATE TABLE IF NOT EXISTS bare (id TEXT, hash TEXT)"))
    app = FastAPI()

    @app.post("/upload", status_code=202)
    def upload(file: UploadFile) -> dict[str, str]:
        data = file.file.read()
        digest = hashlib.sha256(data).hexdigest()
        path = store / digest
        with path.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        job_id = str(uuid.uuid4())
        with engine.begin() as conn:
            conn.execute(
                sqlalchemy.text("INSERT INTO bare VALUES (:id, :hash)"),
                {"id": job_id, "hash": digest},
            )
        return {"job_id": job_id}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def drain(
    env: dict[str, str], data_dir: Path, cores: list[int], db_url: str, noop: bool = False
) -> dict[str, float]:
    """Run burst workers pinned to ``cores`` until the queue is empty: jobs done, the wall
    time (with start-up) and jobs/s from the first claim to the last completion."""
    since = datetime.now(UTC)
    started = time.perf_counter()
    # Not niced (IMAGELENS_ENGINE__NICE=0): the bare Celery worker is not, and on a shared box
    # niced background threads would measure the neighbours' load, not the job path.
    extra = {"IMAGELENS_ENGINE__THREADS": "1", "IMAGELENS_ENGINE__NICE": "0"}
    if noop:
        command = [sys.executable, __file__, "--noop-worker", "--data-dir", str(data_dir)]
    else:
        command = [sys.executable, "-m", "imagelens.cli", "worker", "--burst"]
        command += ["--data-dir", str(data_dir)]
    workers = [
        subprocess.Popen(
            ["taskset", "-c", str(core), *command],
            env=os.environ | env | extra,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for core in cores
    ]
    for worker in workers:
        worker.wait(timeout=900)
    wall = time.perf_counter() - started
    engine = sqlalchemy.create_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(
            sqlalchemy.text(
                "SELECT count(*), min(started_at), max(completed_at) FROM jobs "
                "WHERE job_type = 'image' AND status = 'completed' AND started_at >= :since"
            ),
            {"since": since},
        ).one()
        waiting = conn.execute(
            sqlalchemy.text("SELECT count(*) FROM jobs WHERE status IN ('queued', 'processing')")
        ).scalar()
    engine.dispose()
    assert waiting == 0, f"{waiting} jobs left unfinished"
    done, first, last = row
    span = (last - first).total_seconds()
    return {
        "jobs": done,
        "wall_s": round(wall, 2),
        "active_s": round(span, 3),
        "jobs_per_s": round(done / span, 1),
    }


BARE_TASK = "bench.noop"
BARE_CONCURRENCY = 8  # the no-op job workers' threads (noop_worker)


def bare_celery_worker(
    broker: str, queue: str, counter: str, total: int, durable_db: str | None = None
) -> None:
    """The limit of the job path: a Celery worker with imagelens's delivery settings whose
    task only counts itself in Redis (one round trip, as a job's completion event is one);
    the first start and the ``total``-th finish are stamped (run as a process).

    With ``durable_db`` (a PostgreSQL URL) the task also does the durable work of a job,
    written with psycopg alone: claims its row (``UPDATE ... RETURNING``, commit), reads and
    decodes its stored image, saves a result and the finish (commit) and publishes the event
    -- the limit of a job that survives restarts, which a no-op task is not."""
    import threading

    import psycopg
    from PIL import Image
    from redis import Redis

    from imagelens.jobs.celery import celery_app

    app = celery_app(broker, queue)
    client = Redis.from_url(broker)
    local = threading.local()

    def durable_work(job_id: str) -> None:
        conn = local.conn
        row = conn.execute(
            "UPDATE bare_jobs SET status = 'processing', started_at = now() "
            "WHERE id = %s AND status = 'queued' RETURNING path",
            (job_id,),
        ).fetchone()
        conn.commit()
        assert row is not None
        with Image.open(row[0]) as image:
            size = image.size
            image.load()
        conn.execute(
            "UPDATE bare_jobs SET status = 'completed', completed_at = now(), result = %s "
            "WHERE id = %s",
            (json.dumps({"width": size[0], "height": size[1]}), job_id),
        )
        conn.commit()
        client.publish(f"{queue}:events", job_id)

    # Named ``noop`` (BARE_TASK) in both modes: the same task, with the durable work or not.
    def noop(job_id: str) -> None:
        if durable_db is not None and getattr(local, "conn", None) is None:
            local.conn = psycopg.connect(durable_db)  # before the first stamp: set-up is not work
        client.set(f"{counter}:first", time.time(), nx=True)
        if durable_db is not None:
            durable_work(job_id)
        if client.incr(counter) == total:
            client.set(f"{counter}:last", time.time())

    app.task(name=BARE_TASK, acks_late=True, ignore_result=True, shared=False)(noop)

    app.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={BARE_CONCURRENCY}",
            f"--queues={queue}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ]
    )


def bare_celery(
    broker: str,
    total: int,
    cores: list[int],
    durable: tuple[str, list[bytes], Path] | None = None,
) -> dict[str, float]:
    """``total`` no-op tasks queued first, then drained by one bare worker per core; with
    ``durable`` (PostgreSQL URL, images, a folder) each task does a job's durable work."""
    from redis import Redis

    from imagelens.jobs.celery import celery_app

    queue = f"bare-celery-{uuid.uuid4().hex[:8]}"
    counter = f"{queue}:done"
    extra: list[str] = []
    if durable is not None:
        db_url, images, folder = durable
        extra = [db_url.replace("postgresql+psycopg://", "postgresql://")]
        _bare_jobs(extra[0], images[:total], folder)
    app = celery_app(broker, queue)
    for i in range(total):
        app.send_task(BARE_TASK, args=[str(i)], queue=queue)
    client = Redis.from_url(broker)
    started = time.perf_counter()
    command = [sys.executable, __file__, "--bare-celery", broker, queue, counter, str(total)]
    workers = [
        subprocess.Popen(
            ["taskset", "-c", str(core), *command, *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for core in cores
    ]
    try:
        deadline = time.monotonic() + 600
        while client.get(f"{counter}:last") is None and time.monotonic() < deadline:
            time.sleep(0.05)
        wall = time.perf_counter() - started
        if client.get(f"{counter}:last") is None:  # its workers' errors go to /dev/null
            done = int(client.get(counter) or 0)
            raise RuntimeError(f"bare Celery: {done} of {total} tasks done in 600 s")
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=60)
    first, last = (float(client.get(f"{counter}:{end}") or 0) for end in ("first", "last"))
    client.delete(counter, f"{counter}:first", f"{counter}:last", queue)
    span = last - first
    return {
        "jobs": total,
        "wall_s": round(wall, 2),
        "active_s": round(span, 3),
        "jobs_per_s": round(total / span, 1),
    }


def _bare_jobs(db_url: str, images: list[bytes], folder: Path) -> None:
    """The durable bare tasks' rows and stored images: ids 0..n-1, queued."""
    import psycopg

    folder.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(db_url) as conn:
        conn.execute("DROP TABLE IF EXISTS bare_jobs")
        conn.execute(
            "CREATE TABLE bare_jobs (id text PRIMARY KEY, status text, path text, "
            "result jsonb, started_at timestamptz, completed_at timestamptz)"
        )
        rows = []
        for i, data in enumerate(images):
            path = folder / f"{i}.png"
            path.write_bytes(data)
            rows.append((str(i), "queued", str(path)))
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO bare_jobs (id, status, path) VALUES (%s, %s, %s)", rows)


def acceptance(
    api_url: str, bare_url: str, images: list[bytes], clients: int, rounds: int = 4
) -> dict[str, Any]:
    """Async submissions/s of imagelens and of the bare endpoint, in ``rounds`` rounds over
    slices of ``images``, the order turned each round (A B, B A, ...): on a shared box one
    after the other drifted 0.70 <-> 1.02 between runs. The ratio is the median of the
    rounds'; the rates are over all submissions."""
    slices = [images[i::rounds] for i in range(min(rounds, len(images)))]
    spent = {"api": 0.0, "bare": 0.0}
    ratios: list[float] = []
    for number, part in enumerate(slices):
        order = [("api", api_url), ("bare", bare_url)]
        taken: dict[str, float] = {}
        for name, url in order if number % 2 == 0 else order[::-1]:
            taken[name] = asyncio.run(flood(url, part, clients))
            spent[name] += taken[name]
        ratios.append(taken["bare"] / taken["api"])
    sent = len(images)
    return {
        "submissions": sent,
        "clients": clients,
        "api_role_per_s": round(sent / spent["api"], 1),
        "bare_fastapi_per_s": round(sent / spent["bare"], 1),
        "ratio": round(statistics.median(ratios), 3),
        "round_ratios": [round(r, 3) for r in ratios],
    }


def spawn_bare(port: int, db_url: str, store: Path) -> subprocess.Popen[bytes]:
    store.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([sys.executable, __file__, "--bare", str(port), db_url, str(store)])
    wait_ready(f"http://127.0.0.1:{port}/docs")
    return process


def load() -> str:
    """The 1-, 5- and 15-minute load averages, and the cores: the box is shared."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def noop_worker(data_dir: Path) -> None:
    """A burst worker whose engine has no analyzers (run as a process by ``drain``)."""
    from imagelens.cli.startup import settings_for
    from imagelens.cli.worker import run_worker
    from imagelens.core import Services
    from imagelens.engine import Engine

    settings = settings_for(data_dir)
    services = Services.build(settings, engine=Engine(settings, analyzers=[]), db_pool=10)
    run_worker(services, concurrency=8, burst=True)


def workers_round(
    env: dict[str, str], data_dir: Path, port: int, db_url: str, jobs: int
) -> dict[str, Any]:
    """The same photos analysed by one, then two pinned burst workers."""
    api = spawn_server(data_dir, port, env)
    try:
        photo_jpeg = [encode(photo("coffee").resize((640 + i, 480)), "JPEG") for i in range(jobs)]
        base = f"http://127.0.0.1:{port}/api/v2/images/analyze/async"
        rounds: dict[int, dict[str, float]] = {}
        for cores in ([0], [0, 1]):
            asyncio.run(flood(base, photo_jpeg, 4))
            rounds[len(cores)] = drain(env, data_dir, cores, db_url)
    finally:
        api.terminate()
        api.wait(timeout=60)
    return {
        "one_worker": rounds[1],
        "two_workers": rounds[2],
        # Same number of jobs in each round: the ratio of the unrounded active times.
        "speedup": round(rounds[1]["active_s"] / rounds[2]["active_s"], 2),
        "speedup_with_startup": round(rounds[1]["wall_s"] / rounds[2]["wall_s"], 2),
        "goal_speedup": ">= 1.8",
    }


def embedded(data_dir: Path, images: list[bytes], clients: int) -> dict[str, float]:
    """``imagelens serve`` as one process on SQLite (jobs in its own pool) against the bare
    endpoint on SQLite."""
    env = {
        "IMAGELENS_BOOTSTRAP_API_KEY": KEY,
        "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0",
        "IMAGELENS_QUOTA__MONTHLY_ANALYSES": "0",
        "IMAGELENS_LOG_LEVEL": "WARNING",
    }
    port, bare_port = free_port(), free_port()
    server = spawn_server(data_dir / "embedded", port, env)
    bare_db = f"sqlite:///{data_dir / 'bare-embedded.db'}"
    bare = spawn_bare(bare_port, bare_db, data_dir / "bare-embedded")
    try:
        return acceptance(
            f"http://127.0.0.1:{port}/api/v2/images/analyze/async",
            f"http://127.0.0.1:{bare_port}/upload",
            images,
            clients,
        )
    finally:
        for process in (server, bare):
            process.terminate()
            process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument(
        "--bare", nargs=3, metavar=("PORT", "DB_URL", "DIR"), help=argparse.SUPPRESS
    )
    parser.add_argument("--bare-celery", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--noop-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_server(int(args.bare[0]), args.bare[1], Path(args.bare[2]))
        return
    if args.noop_worker:
        noop_worker(args.data_dir)
        return
    if args.bare_celery:
        broker, queue, counter, total, *durable_db = args.bare_celery
        bare_celery_worker(broker, queue, counter, int(total), *durable_db)
        return
    tiny = [encode(noise_photo(48, 48, seed=i), "PNG") for i in range(args.submissions)]
    report: dict[str, Any] = {"load_before": load()}
    broker = "redis://127.0.0.1:6379/11"
    with tempfile.TemporaryDirectory() as tmp, postgres_database() as db_url:
        data_dir = Path(tmp)
        env = {
            "IMAGELENS_DATABASE_URL": db_url,
            "IMAGELENS_QUEUE__KIND": "celery",
            "IMAGELENS_QUEUE__BROKER_URL": broker,
            "IMAGELENS_QUEUE__NAME": f"imagelens-bench-{uuid.uuid4().hex[:8]}",
            "IMAGELENS_REDIS_URL": broker,
            "IMAGELENS_BOOTSTRAP_API_KEY": KEY,
            "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0",
            "IMAGELENS_QUOTA__MONTHLY_ANALYSES": "0",
            "IMAGELENS_LOG_LEVEL": "WARNING",
        }
        report["sql_postgresql"] = measure_costs(db_url, data_dir / "counted")
        print(json.dumps(report["sql_postgresql"], indent=2), flush=True)
        port, bare_port = free_port(), free_port()
        api = spawn_server(data_dir / "api", port, env)
        bare = spawn_bare(bare_port, db_url, data_dir / "bare")
        try:
            report["acceptance"] = acceptance(
                f"http://127.0.0.1:{port}/api/v2/images/analyze/async",
                f"http://127.0.0.1:{bare_port}/upload",
                tiny,
                args.clients,
            ) | {"goals": {"api_role_per_s": ">= 300", "ratio": ">= 0.9"}}
            print(json.dumps(report["acceptance"], indent=2), flush=True)
        finally:
            for process in (api, bare):
                process.terminate()
                process.wait(timeout=60)
        # The accepted jobs (tiny noise images) go through the broker to no-op workers;
        # then the same number of bare Celery no-op tasks through the same broker.
        noop = drain(env, data_dir / "api", [0, 1], db_url, noop=True)
        bare_noop = bare_celery(broker, args.submissions, [0, 1])
        # The same tasks doing a job's durable work (two commits, a file read and decode, an
        # event): what a job that survives restarts could reach with the bare tools.
        durable = (db_url, tiny, data_dir / "bare-durable")
        bare_durable = bare_celery(broker, args.submissions, [0, 1], durable=durable)
        report["broker_noop"] = noop | {
            "bare_celery_jobs_per_s": bare_noop["jobs_per_s"],
            "bare_celery": bare_noop,
            "ratio": round(noop["jobs_per_s"] / bare_noop["jobs_per_s"], 3),
            "bare_durable_jobs_per_s": bare_durable["jobs_per_s"],
            "bare_durable": bare_durable,
            "ratio_durable": round(noop["jobs_per_s"] / bare_durable["jobs_per_s"], 3),
            "goal_jobs_per_s": ">= 500",
            "goal_ratio": ">= 0.8",
        }
        print(json.dumps(report["broker_noop"], indent=2), flush=True)
        report["workers"] = workers_round(env, data_dir / "api", port, db_url, args.jobs)
        print(json.dumps(report["workers"], indent=2), flush=True)
        report["acceptance_embedded"] = embedded(data_dir, tiny, args.clients) | {
            "goal_ratio": ">= 0.8"
        }
    report["load_after"] = load()
    print(json.dumps(report, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scaleout.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
