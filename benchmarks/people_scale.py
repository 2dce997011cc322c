"""Benchmark face assignment at scale, on one core: the time to place a new face in a tenant
that holds 10k / 100k faces (goal: <= 10 ms warm), the first use that loads the tenant's
index, the index's memory per 100k faces, and the refresh after an image delete, on SQLite
(and PostgreSQL with ``--postgres URL``).

    python benchmarks/people_scale.py --out bench-out [--sizes 10000,100000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

Faces are synthetic dlib-like descriptors: people as random centres (two people ~0.8 apart,
as measured on real photos), each with ten faces ~0.16 from one another. Prints a report and
writes ``people_scale.json`` into ``--out``. The machines are shared: compare one run only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.peopledb import images_of, tenant_of

from imagelens.config import FacesSettings
from imagelens.db import Database, upgrade
from imagelens.db.tables import Image, utcnow
from imagelens.engine.base import FoundFace
from imagelens.people import People
from imagelens.people.store import to_bytes
from imagelens.types import BBox

MODEL = "bench-dlib"
PER_PERSON = 10
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
BOX = BBox(x=0.2, y=0.2, width=0.3, height=0.3)


def _p(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def synthetic(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` faces of ``n / PER_PERSON`` people, and the people's centres."""
    centres = rng.normal(0, 0.05, (max(n // PER_PERSON, 1), 128)).astype(np.float32)
    members = np.repeat(centres, PER_PERSON, axis=0)[:n]
    return members + rng.normal(0, 0.01, members.shape).astype(np.float32), centres


def _fill(db: Database, tenant: str, faces: np.ndarray) -> None:
    """Insert people and faces straight (no per-face decision; foreign keys off)."""
    now = utcnow()
    people = [
        {
            "id": f"per_{tenant}_{i}",
            "tenant_id": tenant,
            "face_count": PER_PERSON,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(-(-len(faces) // PER_PERSON))
    ]
    rows = [
        {
            "id": f"fac_{tenant}_{i}",
            "tenant_id": tenant,
            "image_id": f"img_{i}",
            "person_id": f"per_{tenant}_{i // PER_PERSON}",
            "x": 0.2,
            "y": 0.2,
            "width": 0.3,
            "height": 0.3,
            "confidence": 0.9,
            "vector": to_bytes(v),
            "model": MODEL,
            # Apart, as real faces are: a refresh reads those since the latest it holds.
            "created_at": now - timedelta(microseconds=len(faces) - i),
        }
        for i, v in enumerate(faces)
    ]
    tables = Image.metadata.tables
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:  # skips foreign keys and the count triggers for the bulk load
            conn.exec_driver_sql("SET session_replication_role = replica")
        conn.execute(sqlalchemy.insert(tables["people"]), people)
        for start in range(0, len(rows), 20_000):
            conn.execute(sqlalchemy.insert(tables["faces"]), rows[start : start + 20_000])
        if not db.is_sqlite:
            conn.exec_driver_sql("SET session_replication_role = DEFAULT")
            # What the skipped triggers would have counted: the index's signature.
            conn.execute(
                sqlalchemy.text("UPDATE tenants SET faces_added = :n WHERE id = :tenant"),
                {"n": len(rows), "tenant": tenant},
            )
    # SQLite ignores PRAGMA foreign_keys inside a transaction: the connection that loaded
    # still has them off (an image delete would not cascade to its faces). New connections.
    db.engine.dispose()


def run(url: str, n: int, probes: int) -> dict[str, Any]:
    rng = np.random.default_rng(n)
    db = Database(url)
    tenant = tenant_of(db)
    faces, centres = synthetic(n, rng)
    start = time.perf_counter()
    _fill(db, tenant, faces)
    fill_s = time.perf_counter() - start
    images = images_of(db, tenant, probes + 2)
    people = People(db, FacesSettings(recognition=True), MODEL)

    def assign(image_id: str, vector: np.ndarray) -> float:
        began = time.perf_counter()
        face = FoundFace(bbox=BOX, confidence=0.9)
        people.assign(tenant_id=tenant, image_id=image_id, faces=[face], vectors=vector)
        return (time.perf_counter() - began) * 1000

    picks = rng.integers(0, len(centres), probes + 2)
    noisy = centres[picks] + rng.normal(0, 0.01, (probes + 2, 128)).astype(np.float32)
    cold = assign(images[0], noisy[0])
    warm = [assign(images[i], noisy[i]) for i in range(1, probes + 1)]
    # A deleted image: the next assignment reads the live ids and masks the gone rows.
    with db.session() as session:
        session.delete(session.get(Image, images[1]))
    after_delete = assign(images[-1], noisy[-1])
    memory = people.index.memory_bytes(tenant)
    db.dispose()
    row = {
        "database": "sqlite" if url.startswith("sqlite") else "postgresql",
        "faces": n,
        "bulk_load_s": round(fill_s, 1),
        "first_assign_ms (loads the index)": round(cold, 1),
        "assign_p50_ms": _p(warm, 50),
        "assign_p95_ms": _p(warm, 95),
        "assign_after_image_delete_ms": round(after_delete, 1),
        "index_mb": round(memory / 2**20, 1),
        "index_mb_per_100k": round(memory / 2**20 * 100_000 / n, 1),
    }
    print("  " + json.dumps(row))
    return row


@contextlib.contextmanager
def _postgres(server: str) -> Iterator[str]:
    """A new database on ``server`` (a URL ending in a database to connect to)."""
    name = f"imagelens_bench_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    if any(os.environ.get(k) != v for k, v in ONE_CORE.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **ONE_CORE})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL to run on too")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    print("face assignment, one core:")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            url = f"sqlite:///{tmp}/bench-{n}.db"
            upgrade(url)
            rows.append(run(url, n, args.probes))
    if args.postgres:
        with _postgres(args.postgres) as url:
            upgrade(url)
            rows.extend(run(url, n, args.probes) for n in sizes)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "people_scale.json").write_text(json.dumps({"assignment": rows}, indent=2))


if __name__ == "__main__":
    main()
