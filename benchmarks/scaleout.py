"""Benchmark the scale-out mode: API acceptance without models, and workers 1 vs 2.

Needs the machine's PostgreSQL and Redis. Starts real processes and measures in one run:
- async acceptance of ``imagelens serve --role api`` (Celery queue, PostgreSQL, no models
  loaded) with ``--clients`` concurrent clients, next to a bare FastAPI endpoint that does the
  same upload + hash + file write + INSERT (goal: >= 300 jobs/s and >= 70% of the bare one);
- jobs through the broker with a no-op analyzer (an engine with no analyzers: claim, read
  the stored original, decode, save, event), two burst workers (goal: >= 500 jobs/s);
- analysis throughput with 1 and then 2 burst workers, each pinned to its own core
  (``taskset``) with one model thread (goal: 2 workers >= 1.8x one).
Worker throughput is counted from the round's first claim to its last completion (the
jobs' own timestamps), so process start-up and model loading are left out; the wall time
with them is reported too. Prints a report and writes ``scaleout.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
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
    if noop:
        command = [sys.executable, __file__, "--noop-worker", "--data-dir", str(data_dir)]
    else:
        command = [sys.executable, "-m", "imagelens.cli", "worker", "--burst"]
        command += ["--data-dir", str(data_dir)]
    workers = [
        subprocess.Popen(
            ["taskset", "-c", str(core), *command],
            env=os.environ | env | {"IMAGELENS_ENGINE__THREADS": "1"},
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


def noop_worker(data_dir: Path) -> None:
    """A burst worker whose engine has no analyzers (run as a process by ``drain``)."""
    from imagelens.cli.startup import settings_for
    from imagelens.cli.worker import run_worker
    from imagelens.core import Services
    from imagelens.engine import Engine

    settings = settings_for(data_dir)
    services = Services.build(settings, engine=Engine(settings, analyzers=[]), db_pool=10)
    run_worker(services, concurrency=8, burst=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument(
        "--bare", nargs=3, metavar=("PORT", "DB_URL", "DIR"), help=argparse.SUPPRESS
    )
    parser.add_argument("--noop-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_server(int(args.bare[0]), args.bare[1], Path(args.bare[2]))
        return
    if args.noop_worker:
        noop_worker(args.data_dir)
        return
    tiny = [encode(noise_photo(48, 48, seed=i), "PNG") for i in range(args.submissions)]
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, postgres_database() as db_url:
        data_dir = Path(tmp)
        env = {
            "IMAGELENS_DATABASE_URL": db_url,
            "IMAGELENS_QUEUE__KIND": "celery",
            "IMAGELENS_QUEUE__BROKER_URL": "redis://127.0.0.1:6379/11",
            "IMAGELENS_QUEUE__NAME": f"imagelens-bench-{uuid.uuid4().hex[:8]}",
            "IMAGELENS_REDIS_URL": "redis://127.0.0.1:6379/11",
            "IMAGELENS_BOOTSTRAP_API_KEY": KEY,
            "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0",
            "IMAGELENS_QUOTA__MONTHLY_ANALYSES": "0",
            "IMAGELENS_LOG_LEVEL": "WARNING",
        }
        port, bare_port = free_port(), free_port()
        api = spawn_server(data_dir, port, env)
        bare_dir = data_dir / "bare"
        bare_dir.mkdir()
        bare = subprocess.Popen(
            [sys.executable, __file__, "--bare", str(bare_port), db_url, str(bare_dir)]
        )
        try:
            wait_ready(f"http://127.0.0.1:{bare_port}/docs")
            api_s = asyncio.run(
                flood(f"http://127.0.0.1:{port}/api/v2/images/analyze/async", tiny, args.clients)
            )
            bare_s = asyncio.run(flood(f"http://127.0.0.1:{bare_port}/upload", tiny, args.clients))
            api_rate, bare_rate = args.submissions / api_s, args.submissions / bare_s
            report["acceptance"] = {
                "submissions": args.submissions,
                "clients": args.clients,
                "api_role_per_s": round(api_rate, 1),
                "bare_fastapi_per_s": round(bare_rate, 1),
                "ratio": round(api_rate / bare_rate, 3),
                "goals": {"api_role_per_s": ">= 300", "ratio": ">= 0.7"},
            }
            print(json.dumps(report["acceptance"], indent=2), flush=True)
            # The accepted jobs (tiny noise images) go through the broker to no-op workers.
            report["broker_noop"] = drain(env, data_dir, [0, 1], db_url, noop=True)
            report["broker_noop"]["goal_jobs_per_s"] = ">= 500"
            print(json.dumps(report["broker_noop"], indent=2), flush=True)
            photo_jpeg = [
                encode(photo("coffee").resize((640 + i, 480)), "JPEG") for i in range(args.jobs)
            ]
            base = f"http://127.0.0.1:{port}/api/v2/images/analyze/async"
            rounds: dict[int, dict[str, float]] = {}
            for cores in ([0], [0, 1]):
                asyncio.run(flood(base, photo_jpeg, 4))
                rounds[len(cores)] = drain(env, data_dir, cores, db_url)
            report["workers"] = {
                "one_worker": rounds[1],
                "two_workers": rounds[2],
                # Same number of jobs in each round: the ratio of the unrounded active times.
                "speedup": round(rounds[1]["active_s"] / rounds[2]["active_s"], 2),
                "speedup_with_startup": round(rounds[1]["wall_s"] / rounds[2]["wall_s"], 2),
                "goal_speedup": ">= 1.8",
            }
        finally:
            for process in (api, bare):
                process.terminate()
                process.wait(timeout=60)
    print(json.dumps(report, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scaleout.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
