"""Face and person rows: the SQL the people package runs, nothing cached.

Descriptors are stored as 128 little-endian float32 (512 bytes; dlib's distances are taken
at full precision, unlike the float16 image vectors). Face counts and covers are kept by the
triggers of migration 0011, so nothing here updates them.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import and_, delete, exists, insert, or_, select, text, update
from sqlalchemy.orm import Session

from imagelens.db.tables import Face, FaceRemoval, Image, Person, Tenant, utcnow
from imagelens.engine.base import FoundFace
from imagelens.errors import InvalidInput
from imagelens.types import BBox

_F32 = np.dtype("<f4")
DIM = 128


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=_F32).ravel().tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=_F32)


def new_person_id() -> str:
    return f"per_{uuid.uuid4().hex}"


def new_face_id() -> str:
    return f"fac_{uuid.uuid4().hex}"


@dataclass(frozen=True, slots=True)
class Signature:
    """Changes whenever a tenant's faces do: the faces ever added and removed, counted by
    triggers on the tenant's row (faces are only inserted or deleted, never changed)."""

    added: int
    removed: int


@dataclass(frozen=True, slots=True)
class Owner:
    """Whom a stored face belongs to now."""

    face_id: str
    person_id: str
    name: str | None
    image_id: str


def signature(*, session: Session, tenant_id: str) -> Signature:
    row = session.execute(
        select(Tenant.faces_added, Tenant.faces_removed).where(Tenant.id == tenant_id)
    ).first()
    return Signature(0, 0) if row is None else Signature(int(row[0]), int(row[1]))


def read_faces(
    *,
    session: Session,
    tenant_id: str,
    model: str,
    since: datetime | None = None,
    ids: Sequence[str] | None = None,
) -> list[tuple[str, bytes, datetime]]:
    """(face id, descriptor bytes, created_at) of a tenant's faces of ``model``: all, those
    created at or after ``since``, or those of ``ids``."""
    query = select(Face.id, Face.vector, Face.created_at).where(
        Face.tenant_id == tenant_id, Face.model == model
    )
    if since is not None:
        query = query.where(Face.created_at >= since)
    if ids is not None:
        query = query.where(Face.id.in_(ids))
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def removals(*, session: Session, tenant_id: str, after: int, upto: int) -> list[str] | None:
    """The ids of the tenant's faces removed with numbers ``after + 1 .. upto`` (the triggers'
    log), or None where the log no longer holds them all (pruned)."""
    query = (
        select(FaceRemoval.seq, FaceRemoval.face_id)
        .where(FaceRemoval.tenant_id == tenant_id, FaceRemoval.seq > after, FaceRemoval.seq <= upto)
        .order_by(FaceRemoval.seq)
    )
    rows = session.execute(query).all()
    if len(rows) != upto - after:
        return None
    return [row[1] for row in rows]


def face_ids(*, session: Session, tenant_id: str, model: str) -> set[str]:
    query = select(Face.id).where(Face.tenant_id == tenant_id, Face.model == model)
    return set(session.scalars(query))


def owners(*, session: Session, tenant_id: str, ids: Iterable[str]) -> dict[str, Owner]:
    """The current person (and name) of each face still stored, by face id."""
    wanted = list(ids)
    if not wanted:
        return {}
    # By primary key alone: with the tenant in the WHERE, SQLite walks the tenant's index
    # (100k faces: 140 ms); the tenant is checked on the rows instead.
    query = (
        select(Face.id, Face.person_id, Person.name, Face.image_id, Face.tenant_id)
        .join(Person, Person.id == Face.person_id)
        .where(Face.id.in_(wanted))
    )
    return {
        row[0]: Owner(row[0], row[1], row[2], row[3])
        for row in session.execute(query)
        if row[4] == tenant_id
    }


def lock_tenant(session: Session, tenant_id: str) -> None:
    """Serialise face assignment in ``tenant_id`` across processes until the transaction
    ends: PostgreSQL takes an advisory lock keyed on the tenant; SQLite takes the database's
    write lock at once (a write as the first statement), so the snapshot read next is the
    latest and no other writer can slip in before commit."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('imagelens.faces:' || :tenant))"),
            {"tenant": tenant_id},
        )
    else:
        session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id)
            .values(face_recognition=Tenant.face_recognition)
        )


def lock_assignment(session: Session, tenant_id: str) -> None:
    """Like :func:`lock_tenant` for an assignment, whose first statement on SQLite is
    :func:`open_image`'s write: PostgreSQL's advisory lock, nothing on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        lock_tenant(session, tenant_id)


@dataclass(frozen=True, slots=True)
class Opened:
    """An image opened for its faces: the tenant's signature then, and whether the image
    holds faces already (a re-analysis)."""

    signature: Signature
    had_faces: bool


def open_image(*, session: Session, tenant_id: str, image_id: str, model: str) -> Opened | None:
    """One statement: mark the tenant's image as recognised by ``model`` (locking it against
    deletion until commit; on SQLite, taking the write lock) if recognition is on for the
    tenant, and read the tenant's signature. None: recognition off, or no such image."""
    tenant = Tenant.id == tenant_id
    statement = (
        update(Image)
        .where(
            Image.id == image_id,
            Image.tenant_id == tenant_id,
            exists().where(tenant, Tenant.face_recognition.is_(True)),
        )
        .values(faces_model=model, updated_at=utcnow())
        .returning(
            select(Tenant.faces_added).where(tenant).scalar_subquery(),
            select(Tenant.faces_removed).where(tenant).scalar_subquery(),
            exists().where(Face.image_id == image_id),
        )
        .execution_options(synchronize_session=False)
    )
    row = session.execute(statement).first()
    if row is None:
        return None
    return Opened(Signature(int(row[0]), int(row[1])), bool(row[2]))


def tenant_enabled(*, session: Session, tenant_id: str) -> bool:
    return bool(session.scalar(select(Tenant.face_recognition).where(Tenant.id == tenant_id)))


def delete_image_faces(*, session: Session, image_id: str) -> list[str]:
    """Delete the image's faces; their ids. By image alone: its faces are its tenant's, and
    with the tenant too PostgreSQL may AND in a scan of the tenant's whole face index (10 ms
    at 100k faces)."""
    statement = (
        delete(Face)
        .where(Face.image_id == image_id)
        .returning(Face.id)
        .execution_options(synchronize_session=False)
    )
    return list(session.scalars(statement))


@dataclass(frozen=True, slots=True)
class NewFace:
    """A face to insert: its row's values, and its descriptor for the face index."""

    row: dict[str, object]
    vector: np.ndarray

    @property
    def id(self) -> str:
        return str(self.row["id"])

    @property
    def created_at(self) -> datetime:
        created = self.row["created_at"]
        assert isinstance(created, datetime)
        return created


def new_face(
    *,
    tenant_id: str,
    image_id: str,
    person_id: str,
    face: FoundFace,
    vector: np.ndarray,
    model: str,
) -> NewFace:
    box = face.bbox
    row: dict[str, object] = {
        "id": new_face_id(),
        "tenant_id": tenant_id,
        "image_id": image_id,
        "person_id": person_id,
        "x": box.x,
        "y": box.y,
        "width": box.width,
        "height": box.height,
        "confidence": float(face.confidence),
        "page": face.page,
        "time_s": face.time_s,
        "vector": to_bytes(vector),
        "model": model,
        "created_at": utcnow(),
    }
    return NewFace(row, vector)


def insert_rows(
    *, session: Session, tenant_id: str, people: Sequence[str], faces: Sequence[NewFace]
) -> None:
    """Insert new people (ids), then faces: one statement each (the triggers count them)."""
    if people:
        now = utcnow()
        session.execute(
            insert(Person.metadata.tables["people"]),
            [
                {
                    "id": p,
                    "tenant_id": tenant_id,
                    "face_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for p in people
            ],
        )
    if faces:
        session.execute(insert(Face.metadata.tables["faces"]), [face.row for face in faces])


def move_faces(*, session: Session, tenant_id: str, source: str, target: str) -> None:
    """Every face of ``source`` to ``target`` (the triggers then delete ``source``)."""
    session.execute(
        update(Face)
        .where(Face.tenant_id == tenant_id, Face.person_id == source)
        .values(person_id=target)
        .execution_options(synchronize_session=False)
    )


def person(*, session: Session, tenant_id: str, person_id: str) -> Person | None:
    return session.scalar(
        select(Person).where(Person.id == person_id, Person.tenant_id == tenant_id)
    )


def covers(*, session: Session, face_ids: Iterable[str]) -> dict[str, tuple[str, BBox]]:
    """The image and box of each cover face, by face id."""
    wanted = [f for f in face_ids if f]
    if not wanted:
        return {}
    query = select(Face.id, Face.image_id, Face.x, Face.y, Face.width, Face.height).where(
        Face.id.in_(wanted)
    )
    return {
        row[0]: (row[1], BBox(x=row[2], y=row[3], width=row[4], height=row[5]))
        for row in session.execute(query)
    }


def page_of_people(
    *, session: Session, tenant_id: str, limit: int, cursor: str | None
) -> tuple[list[Person], str | None]:
    """One page of people, most faces first (then newest id), and the next page's cursor."""
    query = select(Person).where(Person.tenant_id == tenant_id, Person.face_count > 0)
    if cursor:
        count, last_id = _decode_cursor(cursor)
        query = query.where(
            or_(
                Person.face_count < count,
                and_(Person.face_count == count, Person.id < last_id),
            )
        )
    query = query.order_by(Person.face_count.desc(), Person.id.desc()).limit(limit + 1)
    rows = list(session.scalars(query))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, _encode_cursor(rows[-1])


def faces_on(
    *, session: Session, tenant_id: str, image_ids: Sequence[str]
) -> list[tuple[Face, str | None]]:
    """The faces on these images with their person's name, in reading order."""
    if not image_ids:
        return []
    query = (
        select(Face, Person.name)
        .join(Person, Person.id == Face.person_id)
        .where(Face.tenant_id == tenant_id, Face.image_id.in_(list(image_ids)))
        .order_by(Face.image_id, Face.page, Face.time_s, Face.x, Face.y)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def forget_tenant(*, session: Session, tenant_id: str) -> None:
    """Every face (vector) and person of the tenant, gone; its images to be recognised anew."""
    # People first: their faces go by cascade, and the triggers find no person to update.
    session.execute(delete(Person).where(Person.tenant_id == tenant_id))
    session.execute(delete(Face).where(Face.tenant_id == tenant_id))
    session.execute(
        update(Image)
        .where(Image.tenant_id == tenant_id, Image.faces_model.is_not(None))
        .values(faces_model=None)
        .execution_options(synchronize_session=False)
    )


def _encode_cursor(row: Person) -> str:
    raw = f"{row.face_count}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        count, person_id = raw.split("|", 1)
        return int(count), person_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(f"The cursor {cursor!r} is not one this server handed out.") from None
