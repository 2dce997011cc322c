"""Benchmark the server's memory when a tenant's bucket answers with far too much.

Starts a real server (``imagelens serve``, SQLite, fresh data dir) and a hostile S3-ish
endpoint on loopback (tests/fakes3.py). A tenant admin configures that endpoint as the
tenant's bucket and uploads a small photo there; then the endpoint answers every GET of an
original with ``--huge-gb`` GB streamed from a generator (once with a Content-Length, once
chunked without one) while ``--requests`` clients call ``GET /files/{id}/content`` and the
server's RSS is sampled every 20 ms. Before the fix the server read the whole body (the
issue's report: 625 MB -> 2.16 GB for 1.5 GB). Goals: every answer a 503
``storage_unavailable`` naming the bucket, peak RSS within 100 MB of the RSS before, and the
endpoint sending a few MB at most (what the sockets buffer) instead of the whole body.
Prints a report and writes ``bucket_reads.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes3 import FakeS3, Hostility
from tests.imagegen import encode, photo
from tests.live import free_port, spawn_server

from benchmarks.memory import KEY, SERVER_ENV, RssSampler

MB = 1000**2
BUCKET = "hostile-bucket"


async def fetch_all(base: str, key: str, image_id: str, clients: int) -> list[tuple[int, str]]:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300) as client:

        async def one() -> tuple[int, str]:
            response = await client.get(f"/api/v2/files/{image_id}/content")
            try:
                code = str(response.json()["error"]["code"])
                named = BUCKET in response.json()["error"]["message"]
                return response.status_code, f"{code}{' (names the bucket)' if named else ''}"
            except (ValueError, KeyError):
                return response.status_code, f"{len(response.content)} bytes"

        return await asyncio.gather(*(one() for _ in range(clients)))


def setup_tenant(base: str, fake: FakeS3) -> tuple[str, str]:
    """A tenant admin key, the tenant's bucket on ``fake``, one photo stored there."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as admin:
        body = {"name": "t", "tenant": "hostile", "scopes": ["read", "write", "admin"]}
        key = str(admin.post("/api/v2/api-keys", json=body).json()["key"])
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120
    ) as api:
        configured = api.put(
            "/api/v2/settings/custom-s3",
            json={
                "access_key_id": "AKIABENCH",
                "secret_access_key": "bench-secret-0123456789",
                "bucket_name": BUCKET,
                "endpoint_url": fake.endpoint,
            },
        )
        configured.raise_for_status()
        uploaded = api.post(
            "/api/v2/files/upload",
            files={"file": ("cat.jpg", encode(photo("chelsea"), "JPEG"))},
            data={"storage_target": "custom"},
        )
        uploaded.raise_for_status()
        image_id = str(uploaded.json()["image_id"])
        assert api.get(f"/api/v2/files/{image_id}/content").status_code == 200
    return key, image_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--huge-gb", type=float, default=1.5)
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--settle", type=float, default=5.0)
    args = parser.parse_args()
    huge = int(args.huge_gb * 1000**3)
    env = SERVER_ENV | {
        "IMAGELENS_SECRET_KEY": "benchmark-server-secret-0123456789",
        "IMAGELENS_ALLOW_PRIVATE_URLS": "true",  # the hostile endpoint is on loopback
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, FakeS3() as fake:
        server = spawn_server(Path(tmp), port, env)
        try:
            process = psutil.Process(server.pid)
            key, image_id = setup_tenant(base, fake)
            time.sleep(2)
            for declare in (True, False):
                fake.hostility = Hostility(huge_bytes=huge, declare_length=declare)
                fake.huge_bytes_sent = 0
                before = process.memory_info().rss
                started = time.perf_counter()
                with RssSampler(server.pid) as sampler:
                    results = asyncio.run(fetch_all(base, key, image_id, args.requests))
                elapsed = time.perf_counter() - started
                time.sleep(args.settle)
                after = process.memory_info().rss
                runs["content_length" if declare else "chunked"] = {
                    "rss_before_mb": round(before / MB),
                    "rss_peak_mb": round(sampler.peak / MB),
                    "rss_after_mb": round(after / MB),
                    "peak_minus_before_mb": round((sampler.peak - before) / MB, 1),
                    "seconds": round(elapsed, 2),
                    "endpoint_sent_mb": round(fake.huge_bytes_sent / MB, 1),
                    "responses": dict(Counter(f"{code} {what}" for code, what in results)),
                }
            alive = httpx.get(f"{base}/healthz").status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=60)
    report: dict[str, Any] = {
        "body_bytes_offered": huge,
        "requests_per_run": args.requests,
        "runs": runs,
        "server_alive": alive,
        "goals": {
            "responses": "all 503 storage_unavailable naming the bucket",
            "peak_minus_before_mb": "< 100",
        },
    }
    print(json.dumps(report, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bucket_reads.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
