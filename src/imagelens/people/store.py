"""Face and person rows: the queries and changes of faces and people, nothing cached (the
tenant's lock, consent and counters: :mod:`imagelens.people.sync`).

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
from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from imagelens.db.tables import Face, Person, utcnow
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
class Owner:
    """Whom a stored face belongs to now."""

    face_id: str
    person_id: str
    name: str | None
    image_id: str


@dataclass(frozen=True, slots=True)
class OldFace:
    """A face the image held before its re-analysis, with what the new faces are matched to
    it by: its place, and its descriptor (in ``model``'s space)."""

    owner: Owner
    model: str
    page: int | None
    time_s: float | None
    bbox: BBox
    vector: np.ndarray


def owners(
    *, session: Session, tenant_id: str, ids: Iterable[str], image_id: str | None = None
) -> tuple[dict[str, Owner], list[OldFace]]:
    """The current person (and name) of each face of ``ids`` still stored, by face id; and
    the faces ``image_id`` holds (a re-analysis; their owners are in the first too). One
    statement."""
    wanted = list(ids)
    if not wanted and image_id is None:
        return {}, []
    # By primary key (and image) alone: with the tenant in the WHERE, SQLite walks the
    # tenant's index (100k faces: 140 ms); the tenant is checked on the rows instead.
    which: ColumnElement[bool] = Face.id.in_(wanted)
    if image_id is not None:
        which = or_(which, Face.image_id == image_id)
    query = (
        select(
            Face.id,
            Face.person_id,
            Person.name,
            Face.image_id,
            Face.tenant_id,
            Face.model,
            Face.page,
            Face.time_s,
            Face.x,
            Face.y,
            Face.width,
            Face.height,
            Face.vector,
        )
        .join(Person, Person.id == Face.person_id)
        .where(which)
    )
    found: dict[str, Owner] = {}
    old: list[OldFace] = []
    for row in session.execute(query):
        if row[4] != tenant_id:
            continue
        owner = Owner(row[0], row[1], row[2], row[3])
        found[row[0]] = owner
        if image_id is not None and row[3] == image_id:
            box = BBox(x=row[8], y=row[9], width=row[10], height=row[11])
            old.append(OldFace(owner, row[5], row[6], row[7], box, from_bytes(row[12])))
    return found, old


def delete_faces(*, session: Session, ids: Sequence[str]) -> None:
    """Delete these faces (by primary key; the triggers count them and fix their people)."""
    if ids:
        session.execute(
            delete(Face).where(Face.id.in_(list(ids))).execution_options(synchronize_session=False)
        )


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
