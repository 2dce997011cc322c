"""Image vectors: float16 bytes <-> numpy, upsert, and the reads the vector index makes.

A vector is stored as little-endian float16 (half the bytes of float32; cosine ranks do not
move at that precision). Rows go with their image (a foreign key with ON DELETE CASCADE).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from imagelens.db.tables import Image, ImageVector, utcnow
from imagelens.db.upsert import upsert
from imagelens.types import JobStatus

_HALF = np.dtype("<f2")


def to_bytes(vector: np.ndarray) -> bytes:
    """A vector as little-endian float16 bytes, normalised first (only cosines are ever
    taken, and a unit vector neither overflows float16's 65504 nor underflows)."""
    values = np.nan_to_num(np.asarray(vector, dtype=np.float32).ravel(), posinf=0, neginf=0)
    norm = float(np.linalg.norm(values))
    return (values / norm if norm > 0 else values).astype(_HALF).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    """Bytes from :func:`to_bytes` as a float32 vector."""
    return np.frombuffer(data, dtype=_HALF).astype(np.float32)


@dataclass(frozen=True, slots=True)
class Signature:
    """What changes whenever a tenant's vectors of one kind do: their count and the latest
    ``updated_at`` (an insert or update moves the second, a delete the first)."""

    count: int
    latest: datetime | None


@dataclass(frozen=True, slots=True)
class StoredVector:
    image_id: str
    model: str
    vector: bytes
    updated_at: datetime


def upsert_vector(
    *, session: Session, image_id: str, tenant_id: str, kind: str, model: str, vector: np.ndarray
) -> None:
    """Store (or replace) an image's vector of ``kind``."""
    data = to_bytes(vector)
    values = {
        "image_id": image_id,
        "kind": kind,
        "tenant_id": tenant_id,
        "model": model,
        "dim": len(data) // 2,
        "vector": data,
        "updated_at": utcnow(),  # also when unchanged: it marks the model's run
    }
    upsert(session, ImageVector, values, ("image_id", "kind"))


def signature(*, session: Session, tenant_id: str, kind: str) -> Signature:
    """The :class:`Signature` of a tenant's vectors of ``kind`` (one indexed aggregate)."""
    count, latest = session.execute(
        select(func.count(), func.max(ImageVector.updated_at)).where(
            ImageVector.tenant_id == tenant_id, ImageVector.kind == kind
        )
    ).one()
    return Signature(int(count), latest)  # max() keeps the column's type: an aware datetime


def read_vectors(
    *, session: Session, tenant_id: str, kind: str, since: datetime | None = None
) -> list[StoredVector]:
    """A tenant's vectors of ``kind``; only those updated at or after ``since`` if given."""
    query = select(
        ImageVector.image_id, ImageVector.model, ImageVector.vector, ImageVector.updated_at
    ).where(ImageVector.tenant_id == tenant_id, ImageVector.kind == kind)
    if since is not None:
        query = query.where(ImageVector.updated_at >= since)
    return [StoredVector(*row) for row in session.execute(query)]


def vector_of(*, session: Session, tenant_id: str, image_id: str, kind: str) -> StoredVector | None:
    """One image's vector of ``kind`` in this tenant, or None."""
    row = session.execute(
        select(
            ImageVector.image_id, ImageVector.model, ImageVector.vector, ImageVector.updated_at
        ).where(
            ImageVector.image_id == image_id,
            ImageVector.tenant_id == tenant_id,
            ImageVector.kind == kind,
        )
    ).first()
    return StoredVector(*row) if row else None


def stale_images(
    *,
    session: Session,
    kind: str,
    model: str,
    tenant_id: str | None = None,
    after: str = "",
    limit: int = 100,
) -> Sequence[Image]:
    """Analysed images (ordered by id, past ``after``) whose ``kind`` vector is missing or
    was made by another model than ``model``: what a re-index still has to do."""
    joined = and_(ImageVector.image_id == Image.id, ImageVector.kind == kind)
    query = (
        select(Image)
        .outerjoin(ImageVector, joined)
        .where(
            Image.status == JobStatus.COMPLETED.value,
            Image.id > after,
            or_(ImageVector.image_id.is_(None), ImageVector.model != model),
        )
        .order_by(Image.id)
        .limit(limit)
    )
    if tenant_id is not None:
        query = query.where(Image.tenant_id == tenant_id)
    return session.scalars(query).all()


def count_stale(*, session: Session, kind: str, model: str, tenant_id: str | None = None) -> int:
    """How many images :func:`stale_images` would go through."""
    joined = and_(ImageVector.image_id == Image.id, ImageVector.kind == kind)
    query = (
        select(func.count())
        .select_from(Image)
        .outerjoin(ImageVector, joined)
        .where(
            Image.status == JobStatus.COMPLETED.value,
            or_(ImageVector.image_id.is_(None), ImageVector.model != model),
        )
    )
    if tenant_id is not None:
        query = query.where(Image.tenant_id == tenant_id)
    return int(session.scalar(query) or 0)
