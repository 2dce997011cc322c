"""Search quality on a labelled library: nDCG@10 of hybrid, semantic and text search, and of
the substring match ``GET /files?q=`` did before (``ILIKE %q%`` over description, visible text
and filename, newest first), all in one run against one real server with the real models.

    python benchmarks/search_quality.py --out bench-out [--only en,de]

The library (benchmarks/quality_set.py): real photos from skimage.data and matplotlib, and
rendered receipts, invoices, screenshots, pages, drawings and product shots from the tests'
helpers, degraded (blur, noise, tilt, JPEG) and named the way cameras and scanners name
files, uploaded in a shuffled order. The queries are natural language in English, German,
Spanish, Japanese and French, each with graded labels (3 = what the query asks for,
2 = clearly relevant, 1 = related). Prints a table and writes ``search_quality.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from tests.live import make_settings, run_server

from benchmarks.quality_set import QUERIES, Query, library
from imagelens.config import Settings
from imagelens.engine import Engine

API = "/api/v2"
K = 10
MODES = ("hybrid", "semantic", "text")


def ndcg(ranked: list[str], labels: dict[str, int], k: int = K) -> float:
    """nDCG@k with gains 2^rel - 1 (Järvelin and Kekäläinen); 0 for a query nothing is
    relevant to (none here)."""
    dcg = sum(
        (2 ** labels.get(name, 0) - 1) / math.log2(i + 2) for i, name in enumerate(ranked[:k])
    )
    ideal = sorted(labels.values(), reverse=True)[:k]
    best = sum((2**rel - 1) / math.log2(i + 2) for i, rel in enumerate(ideal))
    return dcg / best if best else 0.0


def substring(rows: list[dict[str, Any]], query: str) -> list[str]:
    """Yesterday's ``/files?q=``: a case-insensitive substring of the whole query in the
    description, the visible text or the filename; newest first (rows come newest first)."""
    needle = query.casefold()
    return [
        row["image_id"]
        for row in rows
        if any(
            needle in (row.get(f) or "").casefold()
            for f in ("description", "visible_text", "filename")
        )
    ]


def upload_all(client: httpx.Client) -> tuple[dict[str, str], float]:
    """Analyse every library image; answers ({image_id: label name}, seconds)."""
    names: dict[str, str] = {}
    start = time.perf_counter()
    for item in library():
        response = client.post(
            f"{API}/images/analyze",
            files={"file": (item.filename, item.data)},
            data={"timeout": "120"},
        )
        body = response.json()
        if response.status_code != 200 or body.get("status") != "completed":
            raise RuntimeError(f"{item.name}: {response.status_code} {response.text[:300]}")
        names[body["image_id"]] = item.name
        print(f"  {item.name:<18} {item.filename:<32} {(body.get('description') or '')[:70]}")
    return names, time.perf_counter() - start


def all_rows(client: httpx.Client) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"{API}/files", params=params).json()
        rows += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return rows


def run_queries(
    client: httpx.Client, names: dict[str, str], queries: list[Query]
) -> list[dict[str, Any]]:
    rows = all_rows(client)
    results = []
    for query in queries:
        scores: dict[str, float] = {}
        top: dict[str, list[str]] = {}
        for mode in MODES:
            response = client.get(
                f"{API}/search", params={"query": query.text, "mode": mode, "limit": K}
            )
            response.raise_for_status()
            top[mode] = [names.get(h["image_id"], "?") for h in response.json()["items"]]
        top["substring"] = [names[i] for i in substring(rows, query.text)]
        for method, ranked in top.items():
            scores[method] = ndcg(ranked, query.labels)
        results.append(
            {
                "query": query.text,
                "lang": query.lang,
                "labels": query.labels,
                "ndcg": scores,
                "top": top,
            }
        )
    return results


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def report(results: list[dict[str, Any]]) -> dict[str, Any]:
    methods = [*MODES, "substring"]
    langs = sorted({r["lang"] for r in results})
    summary: dict[str, Any] = {
        "all": {m: mean([r["ndcg"][m] for r in results]) for m in methods},
        "by_lang": {
            lang: {m: mean([r["ndcg"][m] for r in results if r["lang"] == lang]) for m in methods}
            for lang in langs
        },
    }
    print(f"\nnDCG@{K} over {len(results)} queries")
    print(f"{'set':<8}{'n':>4}" + "".join(f"{m:>11}" for m in methods))
    for lang in [*langs, "all"]:
        chosen = [r for r in results if lang in ("all", r["lang"])]
        row = summary["all"] if lang == "all" else summary["by_lang"][lang]
        print(f"{lang:<8}{len(chosen):>4}" + "".join(f"{row[m]:>11.3f}" for m in methods))
    print("\nper query (hybrid | substring), weakest hybrid first")
    for r in sorted(results, key=lambda r: r["ndcg"]["hybrid"]):
        wanted = ",".join(n for n, g in r["labels"].items() if g == 3)
        got = ",".join(r["top"]["hybrid"][:3])
        print(
            f"  {r['ndcg']['hybrid']:.2f} | {r['ndcg']['substring']:.2f}  [{r['lang']}] "
            f"{r['query']!r}: wants {wanted}; hybrid top 3: {got}"
        )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--only", default="", help="comma-separated languages (default all)")
    args = parser.parse_args()
    langs = {x for x in args.only.split(",") if x}
    queries = [q for q in QUERIES if not langs or q.lang in langs]
    with tempfile.TemporaryDirectory() as tmp, Engine(Settings()) as engine:
        engine.warmup()
        data = Path(tmp)
        settings = make_settings(data, f"sqlite:///{data / 'db.sqlite'}")
        with run_server(settings, engine) as server, server.client(timeout=180) as client:
            print("library:")
            names, seconds = upload_all(client)
            results = run_queries(client, names, queries)
    summary = report(results)
    hybrid, old = summary["all"]["hybrid"], summary["all"]["substring"]
    ratio = hybrid / old if old else math.inf
    print(f"\nhybrid {hybrid:.3f} vs substring {old:.3f}: {ratio:.1f}x (goal >= 0.6 and >= 2x)")
    out = args.out / "search_quality.json" if args.out.suffix != ".json" else args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "k": K,
        "images": len(names),
        "queries": len(results),
        "analyse_seconds": round(seconds, 1),
        "summary": summary,
        "hybrid_over_substring": ratio,
        "results": results,
    }
    out.write_text(json.dumps(record, indent=2, ensure_ascii=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
