"""Benchmark memory under hostile images: many concurrent requests for 99 MP files.

Starts a real server (``imagelens serve``, SQLite, fresh data dir), measures its resident
memory when idle (after one ordinary analysis), then sends ``--clients`` concurrent sync
``POST /images/analyze`` requests, each with a ~300 KB PNG declaring 10000x9999 pixels, while
sampling the server's RSS every 20 ms. Goals: peak RSS under 3 GB, no 5xx but 503 (the decode
budget's bounded wait), and RSS back within 20% of idle ``--settle`` seconds later.
Prints a report and writes ``memory.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.imagegen import encode, huge_png, photo
from tests.live import free_port, spawn_server

KEY = "il_benchmark_key_000000000000000000"
GIB = 1024**3


# A benchmark server: a known admin key, no quota or rate limit, quiet logs.
SERVER_ENV = {
    "IMAGELENS_BOOTSTRAP_API_KEY": KEY,
    "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0",
    "IMAGELENS_QUOTA__MONTHLY_ANALYSES": "0",
    "IMAGELENS_LOG_LEVEL": "WARNING",
}


def warm_idle_rss(base: str, pid: int) -> int:
    """The server's RSS once idle after one ordinary analysis (models loaded, caches warm)."""
    httpx.post(
        f"{base}/api/v2/images/analyze",
        files={"file": ("c.jpg", encode(photo("chelsea"), "JPEG"))},
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=120,
    ).raise_for_status()
    time.sleep(2)
    return int(psutil.Process(pid).memory_info().rss)


class RssSampler:
    """Samples a process's resident set size on a thread until stopped."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.process = psutil.Process(pid)
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def flood(base: str, data: bytes, clients: int) -> list[tuple[int, str]]:
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300) as client:

        async def one(i: int) -> tuple[int, str]:
            files = {"file": (f"huge-{i}.png", data, "image/png")}
            response = await client.post(
                "/api/v2/images/analyze", files=files, data={"timeout": "120"}
            )
            body = response.json()
            status = body.get("status") or body.get("error", {}).get("code", "?")
            return response.status_code, str(status)

        return await asyncio.gather(*(one(i) for i in range(clients)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--settle", type=float, default=30.0)
    args = parser.parse_args()
    data = huge_png()
    env = SERVER_ENV
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server = spawn_server(Path(tmp), port, env)
        try:
            process = psutil.Process(server.pid)
            idle = warm_idle_rss(base, server.pid)
            started = time.perf_counter()
            with RssSampler(server.pid) as sampler:
                results = asyncio.run(flood(base, data, args.clients))
            elapsed = time.perf_counter() - started
            time.sleep(args.settle)
            settled = process.memory_info().rss
            alive = httpx.get(f"{base}/healthz").status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=60)
    report: dict[str, Any] = {
        "file_bytes": len(data),
        "declared_pixels": 10_000 * 9_999,
        "clients": args.clients,
        "idle_rss_gb": round(idle / GIB, 3),
        "peak_rss_gb": round(sampler.peak / GIB, 3),
        "settled_rss_gb": round(settled / GIB, 3),
        "settled_vs_idle": round(settled / idle, 3),
        "settle_seconds": args.settle,
        "flood_seconds": round(elapsed, 1),
        "responses": dict(Counter(f"{code} {status}" for code, status in results)),
        "server_alive": alive,
        "goals": {"peak_rss_gb": "< 3", "settled_vs_idle": "<= 1.2"},
    }
    print(json.dumps(report, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "memory.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
