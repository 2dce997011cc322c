"""Data migrations on databases that already hold rows (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from imagelens.db import Database, upgrade
from imagelens.db.engine import alembic_config
from imagelens.db.tables import utcnow
from tests.live import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            yield f"sqlite:///{tmp_path / 'old.db'}"
        else:
            yield stack.enter_context(postgres_database())


def test_0004_gives_the_oldest_copy_per_tenant_the_dedupe_claim(url: str) -> None:
    upgrade(url, "0003")
    db = Database(url)
    now = utcnow()
    rows = [  # id, tenant, hash, age in seconds
        ("a-new", "acme", "h1", 10),
        ("a-old", "acme", "h1", 20),
        ("b-only", "beta", "h1", 5),
        ("a-other", "acme", "h2", 1),
    ]
    try:
        with db.engine.begin() as conn:
            for tenant in ("acme", "beta"):
                conn.execute(
                    text("INSERT INTO tenants (id, created_at) VALUES (:id, :now)"),
                    {"id": tenant, "now": now},
                )
            for image_id, tenant, digest, age in rows:
                conn.execute(
                    text(
                        "INSERT INTO images (id, tenant_id, filename, content_hash, storage_key,"
                        " format, content_type, width, height, size_bytes, status, tags_index,"
                        " created_at, updated_at) VALUES (:id, :tenant, 'f', :hash, 'k', 'PNG',"
                        " 'image/png', 1, 1, 1, 'completed', '', :at, :at)"
                    ),
                    {
                        "id": image_id,
                        "tenant": tenant,
                        "hash": digest,
                        "at": now - timedelta(seconds=age),
                    },
                )
        upgrade(url)
        with db.engine.connect() as conn:
            result = conn.execute(text("SELECT id, dedupe_hash FROM images")).all()
        claims: dict[str, str | None] = {row[0]: row[1] for row in result}
        assert claims == {"a-new": None, "a-old": "h1", "b-only": "h1", "a-other": "h2"}
    finally:
        db.dispose()


def test_0011_adds_people_with_recognition_off_for_existing_tenants(url: str) -> None:
    upgrade(url, "0010")
    db = Database(url)
    now = utcnow()
    try:
        with db.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO tenants (id, created_at) VALUES ('acme', :now)"), {"now": now}
            )
            conn.execute(
                text(
                    "INSERT INTO images (id, tenant_id, filename, content_hash, storage_key,"
                    " format, content_type, width, height, size_bytes, status, tags_index,"
                    " created_at, updated_at) VALUES ('i1', 'acme', 'f', 'h', 'k', 'PNG',"
                    " 'image/png', 1, 1, 1, 'completed', '', :at, :at)"
                ),
                {"at": now},
            )
        upgrade(url)
        with db.engine.connect() as conn:
            tenant = conn.execute(text("SELECT face_recognition FROM tenants")).scalar_one()
            model = conn.execute(text("SELECT faces_model FROM images")).scalar_one()
            counts = [
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("people", "faces")
            ]
        assert (bool(tenant), model, counts) == (False, None, [0, 0])
        db.dispose()
        command.downgrade(alembic_config(url), "0010")  # back down, triggers and columns gone
        upgrade(url)
    finally:
        db.dispose()
