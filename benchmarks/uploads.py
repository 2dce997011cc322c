"""Benchmark the API process's memory while big files are uploaded (issue 24, item 7).

Starts a real server (``imagelens serve``, SQLite, local storage, fresh data dir), measures
its resident memory when idle (after one ordinary analysis), then sends ``--clients``
concurrent ``POST /files/upload`` requests, each with a ~``--mb`` MB video (lossless H.264
of noise, so it cannot shrink), while sampling the server's RSS every 20 ms and timing
``GET /readyz`` every 100 ms. Goals: RSS growth under 200 MB during 3 concurrent 150 MB
uploads, ``/readyz`` p95 under 1 s meanwhile. Prints a report and writes ``uploads.json``
into ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live import free_port, spawn_server

from benchmarks.memory import KEY, SERVER_ENV, RssSampler, warm_idle_rss

MB = 1024 * 1024


def noise_video(megabytes: float, size: tuple[int, int] = (320, 240)) -> bytes:
    """A lossless H.264 MKV of random noise, about ``megabytes`` long (noise does not
    compress: ~1.5 bytes a pixel a frame)."""
    rng = np.random.default_rng(7)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=25, options={"qp": "0", "preset": "ultrafast"})
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        while buffer.tell() < megabytes * MB:
            pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


async def upload_all(base: str, data: bytes, clients: int) -> list[tuple[int, str]]:
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:

        async def one(i: int) -> tuple[int, str]:
            response = await client.post(
                "/api/v2/files/upload",
                files={"file": (f"noise-{i}.mkv", data, "video/x-matroska")},
                data={"timeout": "5"},
            )
            body = response.json()
            status = body.get("description_status") or body.get("error", {}).get("code", "?")
            return response.status_code, str(status)

        return await asyncio.gather(*(one(i) for i in range(clients)))


async def probe_ready(base: str, stop: asyncio.Event, latencies: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while not stop.is_set():
            started = time.perf_counter()
            await client.get("/readyz")
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.1)


async def measure(
    base: str, data: bytes, clients: int
) -> tuple[list[tuple[int, str]], list[float]]:
    stop = asyncio.Event()
    latencies: list[float] = []
    prober = asyncio.create_task(probe_ready(base, stop, latencies))
    results = await upload_all(base, data, clients)
    stop.set()
    await prober
    return results, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--mb", type=float, default=150.0)
    args = parser.parse_args()
    data = noise_video(args.mb)
    env = SERVER_ENV
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server = spawn_server(Path(tmp), port, env)
        try:
            idle = warm_idle_rss(base, server.pid)
            started = time.perf_counter()
            with RssSampler(server.pid) as sampler:
                results, latencies = asyncio.run(measure(base, data, args.clients))
            elapsed = time.perf_counter() - started
            spool_left = sorted(p.name for p in (Path(tmp) / "spool").glob("*"))
        finally:
            server.terminate()
            server.wait(timeout=60)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else None
    report: dict[str, Any] = {
        "file_mb": round(len(data) / MB, 1),
        "clients": args.clients,
        "idle_rss_mb": round(idle / MB),
        "peak_rss_mb": round(sampler.peak / MB),
        "rss_growth_mb": round((sampler.peak - idle) / MB),
        "upload_seconds": round(elapsed, 1),
        "readyz_p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "readyz_p95_s": round(p95, 3) if p95 is not None else None,
        "readyz_samples": len(latencies),
        "responses": dict(Counter(f"{code} {status}" for code, status in results)),
        "spool_files_left": len(spool_left),
        "goals": {"rss_growth_mb": "< 200 (3 x 150 MB)", "readyz_p95_s": "< 1"},
    }
    print(json.dumps(report, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "uploads.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
