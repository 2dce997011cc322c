"""Full-text query latency on synthetic libraries, SQLite and PostgreSQL.

    python -m benchmarks.search_text [--images 5000] [--tenants 2] [--pg URL]

Rows are built the way the runner builds them (search_text_of on result-shaped dicts: real
ImageNet tags in 12 languages, descriptions and receipt-like visible text from a small
vocabulary), ``--tenants`` tenants of ``--images`` each; each query runs 40 times through
service.search (ranking, highlights, image rows and the wire model: what /search costs
minus HTTP). Prints p50/p95 in ms per query.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from imagelens.db import Database, upgrade
from imagelens.db.fulltext import write_search_text
from imagelens.db.images import ImageFilter
from imagelens.db.tables import Image, Tenant
from imagelens.engine.describe.searchtext import search_text_of
from imagelens.engine.describe.tagnames import _names
from imagelens.service.search import SearchMode, search

WORDS = (
    "red blue old small large wooden metal bright dark sleeping running parked open empty "
    "street kitchen garden office beach forest river table window door car bicycle truck "
    "harvester field receipt invoice total tax store coffee cup plate dog cat bird person"
).split()
QUERIES = ["cat", "tabby cat", '"red car"', "harv*", "invoice total", "dog OR bird", "Katze"]


def _result(rng: random.Random, tags: list[str]) -> dict[str, object]:
    picked = rng.sample(tags, 3)
    words = " ".join(rng.choices(WORDS, k=14))
    return {
        "description": f"A photo of {picked[0].replace('-', ' ')}: {words}.",
        "tags": picked,
        "visible_text": " ".join(rng.choices(WORDS, k=rng.choice((0, 0, 8, 40)))),
        "category": rng.choice(("general", "document", "product_photo")),
        "extracted": {"total": rng.randint(1, 999), "store": rng.choice(WORDS)},
        "lang": "en",
        "metadata": {
            "width": 4000,
            "height": 3000,
            "format": "jpeg",
            "size_bytes": 2_000_000,
            "content_type": "image/jpeg",
        },
        "content_hash": "0" * 64,
        "perceptual_hash": "0" * 16,
    }


def fill(db: Database, tenants: int, images: int) -> None:
    rng = random.Random(7)
    tags = sorted(_names())
    for t in range(tenants):
        tenant = f"bench-{t}"
        with db.session() as session:
            session.add(Tenant(id=tenant))
        for start in range(0, images, 500):
            with db.session() as session:
                for _ in range(min(500, images - start)):
                    result = _result(rng, tags)
                    image = Image(
                        id=str(uuid.uuid4()),
                        tenant_id=tenant,
                        filename=f"IMG_{rng.randint(1000, 9999)}.jpg",
                        content_hash=uuid.uuid4().hex,
                        storage_key="x",
                        format="JPEG",
                        content_type="image/jpeg",
                        width=1,
                        height=1,
                        size_bytes=1,
                        status="completed",
                        category=result["category"],
                        description=result["description"],
                        tags_index="|" + "|".join(result["tags"]) + "|",  # type: ignore[arg-type]
                        result=result,
                    )
                    session.add(image)
                    session.flush()
                    write_search_text(
                        session=session, image=image, words=search_text_of(image.filename, result)
                    )


def measure(db: Database, runs: int = 40) -> dict[str, dict[str, float]]:
    """p50/p95 (ms) of each query; printed as they come."""
    report: dict[str, dict[str, float]] = {}
    for query in QUERIES:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            found = search(
                db=db,
                semantic=None,
                tenant_id="bench-0",
                query=query,
                mode=SearchMode.TEXT,
                filters=ImageFilter(),
                limit=20,
                cursor=None,
            )
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"  {query!r:16} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
            f"hits/page {len(found.items)}"
        )
        report[query] = {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(p95, 2)}
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--tenants", type=int, default=2)
    parser.add_argument("--pg", help="an empty PostgreSQL database URL")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    report: dict[str, object] = {"images_per_tenant": args.images, "tenants": args.tenants}
    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite:///{Path(tmp) / 'bench.db'}"] + ([args.pg] if args.pg else [])
        for url in urls:
            upgrade(url)
            db = Database(url)
            started = time.perf_counter()
            fill(db, args.tenants, args.images)
            per_row = (time.perf_counter() - started) * 1000 / (args.tenants * args.images)
            print(
                f"{url.split(':')[0]}: {args.tenants} x {args.images} images, "
                f"{per_row:.2f} ms per row written"
            )
            report[url.split(":")[0]] = {"ms_per_row": round(per_row, 3), "queries": measure(db)}
            db.dispose()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "search_text.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
