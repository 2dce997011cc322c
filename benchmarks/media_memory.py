"""Benchmark the server's memory under hostile documents and videos (issue 24 items 6 and 8).

Starts a real server (``imagelens serve``, SQLite, fresh data dir), sends one ordinary
analysis to load the models, then, one file at a time, a sync ``POST /images/analyze`` of:
a PDF whose content stream inflates to ``--inflate-mb`` MB of path operators, a PDF of three
million nested ``q`` operators, and an MKV whose header says 64x64 while its last frames are
``--big`` pixels square. For each it records the server's resident memory before, at its
peak (sampled every 20 ms) and ``--settle`` seconds after, with PDFium's child processes
counted in (they are the server's memory too), the answer and the time it took.
Prints a report and writes ``media_memory.json`` into ``--out``.

Run against other code (the code before a change, say) by putting its ``src`` first on
``PYTHONPATH``: the server inherits the environment.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import pdfs, videos
from tests.live import free_port, spawn_server

from benchmarks.memory import KEY, SERVER_ENV, RssSampler, warm_idle_rss

MB = 1024**2


class TreeRssSampler(RssSampler):
    """RssSampler over a process and its children (PDFium renders in a child process)."""

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.process))
            time.sleep(self.every)


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for each in [process, *process.children(recursive=True)]:
        try:
            total += each.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def hostile_files(inflate_mb: int, big: int) -> dict[str, tuple[str, bytes]]:
    return {
        f"pdf_inflating_{inflate_mb}mb": ("inflate.pdf", pdfs.inflating_pdf(inflate_mb)),
        "pdf_nested_q_3m": ("nested.pdf", pdfs.nested_q_pdf(3_000_000)),
        f"mkv_64_to_{big}": ("switch.mkv", videos.resolution_switch((64, 64), (big, big))),
    }


def measure(
    base: str, process: psutil.Process, name: str, data: bytes, settle: float
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {KEY}"}
    before = tree_rss(process)
    started = time.perf_counter()
    with TreeRssSampler(process.pid) as sampler:
        response = httpx.post(
            f"{base}/api/v2/images/analyze",
            files={"file": (name, data)},
            data={"timeout": "120"},
            headers=headers,
            timeout=600,
        )
    elapsed = time.perf_counter() - started
    time.sleep(settle)
    after = tree_rss(process)
    body = response.json()
    answer = body.get("status") or body.get("error", {}).get("code", "?")
    return {
        "file_bytes": len(data),
        "answer": f"{response.status_code} {answer}",
        "seconds": round(elapsed, 2),
        "rss_before_mb": round(before / MB),
        "rss_peak_mb": round(sampler.peak / MB),
        "rss_after_mb": round(after / MB),
        "peak_growth_mb": round((sampler.peak - before) / MB),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--inflate-mb", type=int, default=400)
    parser.add_argument("--big", type=int, default=10240, help="the MKV's later frame side")
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--label", default="", help="a name for this run in the report")
    args = parser.parse_args()
    files = hostile_files(args.inflate_mb, args.big)
    env = SERVER_ENV
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        server = spawn_server(Path(tmp), port, env)
        try:
            process = psutil.Process(server.pid)
            warm_idle_rss(base, server.pid)
            for case, (name, data) in files.items():
                results[case] = measure(base, process, name, data, args.settle)
                print(case, json.dumps(results[case]), flush=True)
            alive = httpx.get(f"{base}/healthz").status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=60)
    report = {"label": args.label, "cases": results, "server_alive": alive}
    print(json.dumps(report, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "media_memory.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
