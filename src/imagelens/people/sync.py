"""What keeps processes in step over a tenant's faces: the tenant's lock, its consent, and
the counters and removal log the face index follows. Nothing cached here.

The lock serialises every change to a tenant's faces and people (assignment, merge, person
and image deletion, consent withdrawn) across processes, and always comes first, so the rows
those changes lock next (image, faces, people, then the tenant's counters, by the triggers of
migration 0011) are never taken in two orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select, text, update
from sqlalchemy.orm import Session

from imagelens.db.tables import Face, FaceRemoval, Image, Person, Tenant, utcnow

_ADVISORY = "SELECT pg_advisory_xact_lock(hashtext('imagelens.faces:' || :tenant))"


@dataclass(frozen=True, slots=True)
class Signature:
    """Changes whenever a tenant's faces do: the faces ever added and removed, counted by
    triggers on the tenant's row (faces are only inserted or deleted, never changed)."""

    added: int
    removed: int


def lock_tenant(session: Session, tenant_id: str, *, writes_next: bool = False) -> None:
    """Serialise changes to ``tenant_id``'s faces across processes until the transaction
    ends. PostgreSQL: an advisory lock keyed on the tenant. SQLite: the database's write lock,
    taken by a write as the transaction's first statement (so the snapshot read next is the
    latest and no other writer slips in before commit); ``writes_next``: the caller's next
    statement is that write (an assignment's :func:`open_image`), so nothing is run here."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(_ADVISORY), {"tenant": tenant_id})
    elif not writes_next:
        session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id)
            .values(face_recognition=Tenant.face_recognition)
        )


def lock_for_image_delete(session: Session, *, tenant_id: str, image_id: str) -> None:
    """Before deleting an image: take the tenant's lock (PostgreSQL) if the delete's cascade
    may fire the faces triggers, i.e. the image has faces or recognition is on (a job may be
    storing its faces right now). One statement; nothing on SQLite, whose writes are
    serialised anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text(
            "SELECT pg_advisory_xact_lock(hashtext('imagelens.faces:' || :tenant)) "
            "FROM tenants WHERE id = :tenant AND (face_recognition "
            "OR EXISTS (SELECT 1 FROM faces WHERE image_id = :image))"
        ),
        {"tenant": tenant_id, "image": image_id},
    )


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
