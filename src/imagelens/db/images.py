"""Image rows: insert, look up within a tenant, list with filters and a cursor, delete."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Select, and_, bindparam, func, insert, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from imagelens.db.tables import Face, Image
from imagelens.errors import InvalidInput
from imagelens.types import JobStatus

_Q = TypeVar("_Q", bound=Select[Any])


def get_image(*, session: Session, tenant_id: str, image_id: str) -> Image | None:
    """The image if it belongs to ``tenant_id`` (another tenant's id reads as absent)."""
    return session.scalar(select(Image).where(Image.id == image_id, Image.tenant_id == tenant_id))


def claimed_image(*, session: Session, tenant_id: str, content_hash: str) -> Image | None:
    """This tenant's image that holds the dedupe claim on these bytes."""
    return session.scalar(
        select(Image).where(Image.tenant_id == tenant_id, Image.dedupe_hash == content_hash)
    )


def insert_claimed(*, session: Session, image: dict[str, Any]) -> bool:
    """Insert ``image`` as the tenant's first copy of its bytes, atomically: False (nothing
    inserted) when another image holds the claim, even one committed a moment ago by a
    concurrent request (the unique index decides, not a lookup before the insert)."""
    statement = _claiming_insert(session.get_bind().dialect.name == "postgresql")
    row = {**image, "dedupe_hash": image["content_hash"]}
    return session.connection().execute(statement, row).scalar() is not None


@lru_cache(maxsize=2)
def _claiming_insert(postgres: bool) -> ReturningInsert[str]:
    # Built once (the row comes with each call): building it cost ~0.2 ms an upload.
    table = Image.metadata.tables["images"]
    maker = postgresql_insert if postgres else sqlite_insert
    return (
        maker(table)
        .on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_hash"])
        .returning(table.c.id)  # rowcount is -1 for this statement on psycopg
    )


def insert_rows(*, session: Session, image: dict[str, Any] | None, job: dict[str, Any]) -> None:
    """Insert an image (unless None: already inserted) and its job with plain INSERTs: the
    ORM's unit of work cost ~1 ms per upload, a third of the request, on the job-acceptance
    path (benchmarks/api.py)."""
    connection = session.connection()
    tables = Image.metadata.tables
    if image is not None:
        connection.execute(insert(tables["images"]), [{**image, "dedupe_hash": None}])
    connection.execute(insert(tables["jobs"]), [job])


def delete_image(*, session: Session, image: Image) -> bool:
    """Delete ``image``; hand its dedupe claim to the tenant's next oldest copy of the bytes.
    Returns whether any image still points at the stored bytes (see :func:`hash_in_use`)."""
    session.delete(image)
    session.flush()
    if image.dedupe_hash is not None:
        heir = session.scalar(
            select(Image)
            .where(Image.tenant_id == image.tenant_id, Image.content_hash == image.content_hash)
            .order_by(Image.created_at, Image.id)
            .limit(1)
        )
        if heir is not None:
            heir.dedupe_hash = heir.content_hash
    return hash_in_use(
        session=session,
        content_hash=image.content_hash,
        tenant_id=image.tenant_id,
        target=image.storage_target,
    )


def hash_in_use(
    *, session: Session, content_hash: str, tenant_id: str | None = None, target: str | None = None
) -> bool:
    """Whether an image still points at these stored bytes: in the server's store, an image
    of any tenant; in a tenant's own bucket (``target``), an image of that tenant there."""
    query = select(func.count()).select_from(Image).where(Image.content_hash == content_hash)
    if target is None:
        query = query.where(Image.storage_target.is_(None))
    else:
        query = query.where(Image.tenant_id == tenant_id, Image.storage_target == target)
    return bool(session.scalar(query))


def set_result(*, image: Image, result: dict[str, Any]) -> None:
    for name, value in result_columns(result).items():
        setattr(image, name, value)


def save_result(
    *,
    session: Session,
    image_id: str,
    result: dict[str, Any] | None,
    error: dict[str, Any] | None,
) -> tuple[bool, str | None]:
    """Write a finished analysis (or its error) on the image with one UPDATE, no read
    before it: (False, None) when the image is gone (deleted while it was analysed), else
    (True, the batch session it belongs to, if any)."""
    if result is not None:
        values = {f"p_{name}": value for name, value in result_columns(result).items()}
        del values["p_status"], values["p_error"]  # constants of the statement
    else:
        values = {"p_error": error}
    statement = _saving_update(result is not None)
    found = session.connection().execute(statement, {"p_id": image_id, **values}).first()
    return (False, None) if found is None else (True, found[0])


@lru_cache(maxsize=2)
def _saving_update(completed: bool) -> ReturningUpdate[Any]:
    # Built once, the values bound per call (building it cost ~1 ms a job on a busy core).
    columns = Image.__table__.c
    if completed:
        names = result_columns({"metadata": {"width": 0, "height": 0}})
        values: dict[str, Any] = {
            name: bindparam(f"p_{name}", type_=columns[name].type) for name in names
        }
        values |= {"status": JobStatus.COMPLETED.value, "error": null()}
    else:
        values = {
            "status": JobStatus.FAILED.value,
            "error": bindparam("p_error", type_=columns.error.type),
        }
    return (
        update(Image)
        .where(Image.id == bindparam("p_id"))
        .values(**values)
        .returning(Image.session_id)
    )


def result_columns(result: dict[str, Any]) -> dict[str, Any]:
    """The image's columns for a completed analysis."""
    return {
        "status": JobStatus.COMPLETED.value,
        "error": None,
        "result": result,
        # The decoded, upright image is the truth (async intake only read the header).
        "perceptual_hash": result.get("perceptual_hash"),
        "width": result["metadata"]["width"],
        "height": result["metadata"]["height"],
        "category": result.get("category"),
        "description": result.get("description"),
        "visible_text": result.get("visible_text"),
        "tags_index": "".join(f"|{t}" for t in result.get("tags", [])) + "|",
    }


@dataclass(frozen=True)
class ImageFilter:
    q: str | None = None
    tag: str | None = None
    status: str | None = None
    category: str | None = None
    person: str | None = None  # only images where this person's face was found


def filtered(query: _Q, filters: ImageFilter) -> _Q:
    """``query`` (over images) narrowed to the tag, status, category and person of
    ``filters``."""
    if filters.tag:
        query = query.where(Image.tags_index.like(f"%|{escape_like(filters.tag)}|%", escape="\\"))
    if filters.status:
        query = query.where(Image.status == filters.status)
    if filters.category:
        query = query.where(Image.category == filters.category)
    if filters.person:
        query = query.where(
            Image.id.in_(select(Face.image_id).where(Face.person_id == filters.person))
        )
    return query


def list_images(
    *, session: Session, tenant_id: str, filters: ImageFilter, limit: int, cursor: str | None
) -> tuple[list[Image], str | None]:
    """One page, newest first; the second value is the cursor of the next page or None."""
    query = select(Image).where(Image.tenant_id == tenant_id)
    if filters.q:
        like = f"%{escape_like(filters.q.lower())}%"
        query = query.where(
            or_(
                func.lower(Image.description).like(like, escape="\\"),
                func.lower(Image.visible_text).like(like, escape="\\"),
                func.lower(Image.filename).like(like, escape="\\"),
            )
        )
    query = filtered(query, filters)
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


def escape_like(text: str) -> str:
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
