"""Benchmark the API process's memory while big files are uploaded (issue 24, item 7).

Starts a real server (``imagelens serve``, SQLite, local storage, fresh data dir), measures
its resident memory when idle (after one ordinary analysis), then sends ``--clients``
concurrent ``POST /files/upload`` requests, each with a ~``--mb`` MB video (lossless H.264
of noise, so it cannot shrink), while sampling the server's RSS every 20 ms and timing
``GET /readyz`` every 100 ms. Goals: RSS growth under 200 MB during 3 concurrent 150 MB
uploads, ``/readyz`` p95 under 1 s meanwhile. Prints a report and writes ``uploads.json``
into ``--out``.

``--direct`` (issue 22) measures direct uploads instead: one ``--mb`` MB video (default 400)
uploaded through the SDK (``files.upload(direct=True)``: parts PUT straight to storage, then
complete), with local storage and with S3 (moto's server, in this process, so its memory is
not the API's). Goals: the API process's RSS grows by < 100 MB, and the SDK upload takes
within 1.3x the time of a plain PUT of the same bytes to the same store (S3: one presigned
PUT to the bucket; local: one HTTP PUT streamed into the data dir's disk and fsynced; the
bare disk write is reported too), measured first, on the idle server. With S3 the bucket's
own join of the parts is timed alone too (``store_join_seconds``; moto's takes seconds) and
``ratio_without_store_join`` leaves it out.
Writes ``direct_uploads.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import io
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import boto3
import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live import free_port, spawn_server

from benchmarks.memory import KEY, SERVER_ENV, RssSampler, warm_idle_rss
from imagelens import sdk
from imagelens.config import UploadSettings
from imagelens.service.direct import MAX_PARTS

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

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


class _Receiver(http.server.BaseHTTPRequestHandler):
    """A plain HTTP PUT, streamed into a file in ``directory`` and fsynced."""

    directory = Path()

    def do_PUT(self) -> None:
        left = int(self.headers["Content-Length"])
        with (self.directory / "plain-put").open("wb") as out:
            while left:
                chunk = self.rfile.read(min(MB, left))
                out.write(chunk)
                left -= len(chunk)
            out.flush()
            os.fsync(out.fileno())
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def plain_put(kind: str, path: Path, data_dir: Path, env: dict[str, str]) -> dict[str, float]:
    """Seconds for the baselines: the same bytes PUT plainly to the same store (S3: one
    presigned PUT; local: one HTTP PUT into the data dir's disk), and for local also the bare
    disk write (no HTTP)."""
    if kind == "s3":
        s3 = boto3.client("s3", endpoint_url=env["IMAGELENS_STORAGE__ENDPOINT_URL"])
        bucket = env["IMAGELENS_STORAGE__BUCKET"]
        url = s3.generate_presigned_url(
            "put_object", Params={"Bucket": bucket, "Key": "plain"}, ExpiresIn=600
        )
        started = time.perf_counter()
        with path.open("rb") as handle:
            httpx.put(url, content=handle, timeout=600).raise_for_status()
        elapsed = time.perf_counter() - started
        s3.delete_object(Bucket=bucket, Key="plain")
        return {"plain_put_seconds": elapsed}

    class Handler(_Receiver):
        directory = data_dir

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        started = time.perf_counter()
        with path.open("rb") as handle:
            url = f"http://127.0.0.1:{receiver.server_address[1]}/plain"
            httpx.put(url, content=handle, timeout=600).raise_for_status()
        elapsed = time.perf_counter() - started
    finally:
        receiver.shutdown()
        receiver.server_close()
    (data_dir / "plain-put").unlink()
    target = data_dir / "plain-disk"
    started = time.perf_counter()
    with path.open("rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, MB)
        out.flush()
        os.fsync(out.fileno())
    disk = time.perf_counter() - started
    target.unlink()
    return {"plain_put_seconds": elapsed, "disk_write_seconds": disk}


def store_join(path: Path, env: dict[str, str], part_size: int) -> float:
    """Seconds the bucket itself takes to join a multipart upload of ``path`` (parts of
    ``part_size``): timed alone with boto3. Moto concatenates the parts in Python (3.3-4.4 s
    for 400 MB, more than a plain PUT of them); S3 joins them without moving the bytes."""
    s3 = boto3.client("s3", endpoint_url=env["IMAGELENS_STORAGE__ENDPOINT_URL"])
    bucket, key = env["IMAGELENS_STORAGE__BUCKET"], "join-alone"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts: list[CompletedPartTypeDef] = []
    with path.open("rb") as handle:
        while chunk := handle.read(part_size):
            number = len(parts) + 1
            sent = s3.upload_part(
                Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=chunk
            )
            parts.append({"PartNumber": number, "ETag": sent["ETag"]})
    started = time.perf_counter()
    s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
    )
    elapsed = time.perf_counter() - started
    s3.delete_object(Bucket=bucket, Key=key)
    return elapsed


def direct_run(kind: str, path: Path, env: dict[str, str]) -> dict[str, Any]:
    """One store: idle RSS, the SDK's direct upload sampled, the plain PUT timed."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server = spawn_server(Path(tmp), port, env)
        try:
            idle = warm_idle_rss(base, server.pid)
            # The baseline first, on an idle server: after the upload its analysis (a 400 MB
            # video, in the server's own job pool) slowed a plain PUT 0.48 -> 1.36 s.
            plain = plain_put(kind, path, Path(tmp), env)
            elapsed_plain = plain["plain_put_seconds"]
            size, conf = path.stat().st_size, UploadSettings()
            multipart = size > conf.multipart_threshold
            # The part size the server picks (service/direct.py), the join also on the idle server.
            part_size = max(conf.part_size, math.ceil(size / MAX_PARTS))
            join = store_join(path, env, part_size) if kind == "s3" and multipart else 0.0
            progress: list[int] = []
            with (
                sdk.ImageLens(KEY, base_url=base, timeout=600) as client,
                RssSampler(server.pid) as sampler,
            ):
                started = time.perf_counter()
                result = client.files.upload(
                    path, direct=True, timeout=0, on_progress=lambda a, _b: progress.append(a)
                )
                elapsed = time.perf_counter() - started
            left = sorted(p.name for p in (Path(tmp) / "direct").glob("*"))
        finally:
            server.terminate()
            server.wait(timeout=60)
    return {
        "store": kind,
        "idle_rss_mb": round(idle / MB),
        "peak_rss_mb": round(sampler.peak / MB),
        "rss_growth_mb": round((sampler.peak - idle) / MB),
        "sdk_direct_seconds": round(elapsed, 2),
        **{name: round(value, 2) for name, value in plain.items()},
        "ratio": round(elapsed / elapsed_plain, 2),
        # What is ours: the time less the bucket's own join of the parts (see store_join).
        **(
            {
                "store_join_seconds": round(join, 2),
                "ratio_without_store_join": round((elapsed - join) / elapsed_plain, 2),
            }
            if kind == "s3" and multipart
            else {}
        ),
        "progress_calls": len(progress),
        "image_id": result.image_id,
        "object_key": result.object_key,
        "staging_left": len(left),
    }


def direct_main(args: argparse.Namespace) -> None:
    from moto.server import ThreadedMotoServer

    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or Path(tmp) / "noise.mkv"
        if args.file is None:
            path.write_bytes(noise_video(args.mb))
        if "local" in args.stores:
            reports.append(direct_run("local", path, SERVER_ENV))
        if "s3" in args.stores:
            os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
            os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
            port = free_port()
            moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
            moto.start()
            try:
                endpoint = f"http://127.0.0.1:{port}"
                boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="bench")
                env = SERVER_ENV | {
                    "IMAGELENS_STORAGE__KIND": "s3",
                    "IMAGELENS_STORAGE__BUCKET": "bench",
                    "IMAGELENS_STORAGE__ENDPOINT_URL": endpoint,
                    "AWS_ACCESS_KEY_ID": "bench",
                    "AWS_SECRET_ACCESS_KEY": "bench",
                    "AWS_DEFAULT_REGION": "us-east-1",
                }
                reports.append(direct_run("s3", path, env))
            finally:
                moto.stop()
        file_mb = round(path.stat().st_size / MB, 1)
    report = {
        "file_mb": file_mb,
        "runs": reports,
        "goals": {"rss_growth_mb": "< 100", "ratio": "<= 1.3 (SDK direct / plain PUT)"},
    }
    print(json.dumps(report, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "direct_uploads.json").write_text(json.dumps(report, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--mb", type=float, default=None)
    parser.add_argument("--direct", action="store_true", help="Direct uploads (issue 22).")
    parser.add_argument("--file", type=Path, default=None, help="--direct: this file, not noise.")
    parser.add_argument("--stores", nargs="+", default=["local", "s3"], choices=["local", "s3"])
    args = parser.parse_args()
    if args.direct:
        args.mb = args.mb or 400.0
        direct_main(args)
        return
    data = noise_video(args.mb or 150.0)
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
