"""Benchmark the HTTP API against the engine it wraps, and the async job path under load.

Run with ``make bench``. Starts a real server (``imagelens serve``, SQLite, fresh data dir),
then measures in one run:
- sync ``POST /images/analyze`` latency next to a direct ``Engine.analyze()`` of the same
  bytes in this process (goal: HTTP overhead <= 10%);
- 500 ``POST /images/analyze/async`` submissions from 50 concurrent clients: acceptance rate
  (goal >= 300 jobs/s), time until every job completed, and that none was lost or doubled.
Prints a report and writes ``api.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.imagegen import encode, noise_photo, photo
from tests.live import free_port, spawn_server

from imagelens.config import load_settings
from imagelens.engine import Engine

KEY = "il_benchmark_key_000000000000000000"
API = "/api/v2"


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        "IMAGELENS_BOOTSTRAP_API_KEY": KEY,
        "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0",
        "IMAGELENS_QUOTA__MONTHLY_ANALYSES": "0",
        "IMAGELENS_LOG_LEVEL": "WARNING",
    }
    return spawn_server(data_dir, port, env)


def p50(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def latency(base: str, engine: Engine, data: bytes, rounds: int) -> dict[str, Any]:
    """Alternate one HTTP and one direct analysis of the same bytes, ``rounds`` times."""
    http_ms: list[float] = []
    direct_ms: list[float] = []
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        for i in range(rounds + 2):
            start = time.perf_counter()
            body = client.post(f"{API}/images/analyze", files={"file": ("p.jpg", data)}).json()
            elapsed = (time.perf_counter() - start) * 1000
            assert body["status"] == "completed", body
            start = time.perf_counter()
            engine.analyze(data)
            direct = (time.perf_counter() - start) * 1000
            if i >= 2:  # the first rounds warm caches on both sides
                http_ms.append(elapsed)
                direct_ms.append(direct)
    overhead = (p50(http_ms) - p50(direct_ms)) / p50(direct_ms)
    return {
        "rounds": rounds,
        "http_p50_ms": p50(http_ms),
        "direct_p50_ms": p50(direct_ms),
        "overhead_p50_ms": round(p50(http_ms) - p50(direct_ms), 1),
        "overhead_ratio": round(overhead, 3),
        "goal_overhead_ratio": 0.10,
    }


def small_images(n: int) -> list[bytes]:
    rng = np.random.default_rng(7)
    return [encode(noise_photo(48, 48, seed=int(rng.integers(1 << 30))), "PNG") for _ in range(n)]


async def submit_all(base: str, images: list[bytes], clients: int) -> tuple[list[str], float]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(images)):
        queue.put_nowait(i)
    job_ids: list[str] = [""] * len(images)
    limits = httpx.Limits(max_connections=clients)
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120) as c:

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                files = {"file": (f"{i}.png", images[i])}
                response = await c.post(f"{API}/images/analyze/async", files=files)
                assert response.status_code == 202, response.text
                job_ids[i] = response.json()["job_id"]

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return job_ids, time.perf_counter() - start


def load(base: str, n: int, clients: int) -> dict[str, Any]:
    images = small_images(n)
    started = time.perf_counter()
    job_ids, accept_s = asyncio.run(submit_all(base, images, clients))
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        pending = set(job_ids)
        states: dict[str, str] = {}
        while pending:
            for job_id in list(pending):
                state = client.get(f"{API}/job/{job_id}").json()["status"]
                if state != "processing":
                    states[job_id] = state
                    pending.discard(job_id)
            time.sleep(0.5)
        done_s = time.perf_counter() - started
        listed = client.get(f"{API}/files", params={"limit": 500, "q": ".png"}).json()["items"]
    names = [item["filename"] for item in listed]
    return {
        "submissions": n,
        "clients": clients,
        "accept_seconds": round(accept_s, 2),
        "accepted_per_s": round(n / accept_s, 1),
        "goal_accepted_per_s": 300,
        "all_completed_seconds": round(done_s, 2),
        "completed_per_s": round(n / done_s, 1),
        "distinct_job_ids": len(set(job_ids)),
        "completed": sum(1 for s in states.values() if s == "completed"),
        "failed": sum(1 for s in states.values() if s == "failed"),
        "images_stored": len(names),
        "images_stored_twice": len(names) - len(set(names)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    photo_bytes = encode(photo("coffee").resize((1200, 800)), "JPEG", quality=90)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp), port)
        try:
            with Engine(load_settings()) as engine:
                engine.warmup()
                report = {"latency_1mp_jpeg": latency(base, engine, photo_bytes, args.rounds)}
            report["async_load"] = load(base, args.jobs, args.clients)
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(json.dumps(report, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "api.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
