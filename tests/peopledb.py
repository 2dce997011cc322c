"""Shared by the people tests (whose ``people_url``/``people`` fixtures are in conftest.py)
and benchmarks/people_scale.py: tenants, images and faces made in a line."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from imagelens.db import Database
from imagelens.db.tables import Face, Image, Tenant, utcnow
from imagelens.people import People
from tests.dlibfaces import DlibEmbedder, descriptors

MODEL = DlibEmbedder.version  # the model of the ``people`` fixture's People


def tenant_of(db: Database, on: bool = True) -> str:
    tenant_id = f"t-{uuid.uuid4().hex[:8]}"
    with db.session() as session:
        session.add(Tenant(id=tenant_id, face_recognition=on))
    return tenant_id


def image_of(db: Database, tenant_id: str) -> str:
    return images_of(db, tenant_id, 1)[0]


def images_of(db: Database, tenant_id: str, count: int) -> list[str]:
    """``count`` new image rows of ``tenant_id`` (no file behind them), in one transaction."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    now = utcnow()
    with db.session() as session:
        session.add_all(
            Image(
                id=image_id,
                tenant_id=tenant_id,
                filename="f.jpg",
                content_hash=uuid.uuid4().hex,
                storage_key="k",
                format="JPEG",
                content_type="image/jpeg",
                width=1,
                height=1,
                size_bytes=1,
                status="completed",
                created_at=now,
                updated_at=now,
            )
            for image_id in ids
        )
    return ids


def add_photo(people: People, tenant_id: str, who: str, edit: str) -> tuple[str, str]:
    """A new image of ``who`` (one face); (image id, person id)."""
    face, vector = descriptors()[(who, edit)]
    image_id = image_of(people.db, tenant_id)
    refs = people.assign(tenant_id=tenant_id, image_id=image_id, faces=[face], vectors=vector)
    assert len(refs) == 1
    return image_id, refs[0].person_id


def face_rows(db: Database, tenant_id: str) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).where(Face.tenant_id == tenant_id)) or 0)
