"""Image rows: insert, look up within a tenant, list with filters and a cursor, delete."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import Session

from imagelens.db.tables import Image
from imagelens.errors import InvalidInput


def get_image(*, session: Session, tenant_id: str, image_id: str) -> Image | None:
    """The image if it belongs to ``tenant_id`` (another tenant's id reads as absent)."""
    return session.scalar(select(Image).where(Image.id == image_id, Image.tenant_id == tenant_id))


def hash_match(*, session: Session, tenant_id: str, content_hash: str) -> str | None:
    """The id of this tenant's first image with these bytes (a Core query: the hot path)."""
    return session.execute(
        select(Image.id)
        .where(Image.tenant_id == tenant_id, Image.content_hash == content_hash)
        .order_by(Image.created_at)
        .limit(1)
    ).scalar()


def insert_rows(*, session: Session, image: dict[str, Any], job: dict[str, Any]) -> None:
    """Insert an image and its job with plain INSERTs: the ORM's unit of work cost ~1 ms per
    upload, a third of the request, on the job-acceptance path (benchmarks/api.py)."""
    connection = session.connection()
    tables = Image.metadata.tables
    connection.execute(insert(tables["images"]), [image])
    connection.execute(insert(tables["jobs"]), [job])


def hash_in_use(*, session: Session, content_hash: str) -> bool:
    """Whether any image of any tenant still points at these stored bytes."""
    count = session.scalar(
        select(func.count()).select_from(Image).where(Image.content_hash == content_hash)
    )
    return bool(count)


def set_result(*, image: Image, result: dict[str, Any]) -> None:
    image.status = "completed"
    image.error = None
    image.result = result
    # The decoded, upright image is the truth (async intake only read the header).
    image.perceptual_hash = result.get("perceptual_hash")
    image.width = result["metadata"]["width"]
    image.height = result["metadata"]["height"]
    image.category = result.get("category")
    image.description = result.get("description")
    image.visible_text = result.get("visible_text")
    image.tags_index = "".join(f"|{t}" for t in result.get("tags", [])) + "|"


@dataclass(frozen=True)
class ImageFilter:
    q: str | None = None
    tag: str | None = None
    status: str | None = None
    category: str | None = None


def list_images(
    *, session: Session, tenant_id: str, filters: ImageFilter, limit: int, cursor: str | None
) -> tuple[list[Image], str | None]:
    """One page, newest first; the second value is the cursor of the next page or None."""
    query = select(Image).where(Image.tenant_id == tenant_id)
    if filters.q:
        like = f"%{_escape_like(filters.q.lower())}%"
        query = query.where(
            or_(
                func.lower(Image.description).like(like, escape="\\"),
                func.lower(Image.visible_text).like(like, escape="\\"),
                func.lower(Image.filename).like(like, escape="\\"),
            )
        )
    if filters.tag:
        query = query.where(Image.tags_index.like(f"%|{_escape_like(filters.tag)}|%", escape="\\"))
    if filters.status:
        query = query.where(Image.status == filters.status)
    if filters.category:
        query = query.where(Image.category == filters.category)
    if cursor:
        created, last_id = _decode_cursor(cursor)
        query = query.where(
            or_(Image.created_at < created, and_(Image.created_at == created, Image.id < last_id))
        )
    rows = list(
        session.scalars(query.order_by(Image.created_at.desc(), Image.id.desc()).limit(limit + 1))
    )
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, _encode_cursor(rows[-1])


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _encode_cursor(image: Image) -> str:
    raw = f"{image.created_at.isoformat()}|{image.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, image_id = raw.split("|", 1)
        return datetime.fromisoformat(created), image_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(f"The cursor {cursor!r} is not one this server handed out.") from None
