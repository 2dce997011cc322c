"""What a tenant does with its people: list, look up, name, merge, delete, and read the
faces of images; plus the tenant lock every change takes (:class:`People` adds recognition)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy.orm import Session

from imagelens.db import Database
from imagelens.db.tables import Person, utcnow
from imagelens.errors import InvalidInput, NotFound
from imagelens.people import store, sync
from imagelens.people.models import PeoplePage, PersonSummary, StoredFace
from imagelens.types import BBox

_NAME_LIMIT = 200


class Management:
    """People's naming, merging, deleting and listing; thread-safe."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def list_people(self, tenant_id: str, *, limit: int, cursor: str | None) -> PeoplePage:
        """The tenant's people, most faces first."""
        with self.db.session() as session:
            rows, after = store.page_of_people(
                session=session, tenant_id=tenant_id, limit=limit, cursor=cursor
            )
            return PeoplePage(_summaries(session, rows), after)

    def get(self, tenant_id: str, person_id: str) -> PersonSummary:
        with self.db.session() as session:
            return _summaries(session, [_person(session, tenant_id, person_id)])[0]

    def rename(self, tenant_id: str, person_id: str, name: str | None) -> PersonSummary:
        """Name a person (None or blank: no name)."""
        clean = (name or "").strip() or None
        if clean is not None and len(clean) > _NAME_LIMIT:
            raise InvalidInput(f"A person's name has at most {_NAME_LIMIT} characters.")
        with self.db.session() as session:
            row = _person(session, tenant_id, person_id)
            row.name, row.updated_at = clean, utcnow()
            session.flush()
            return _summaries(session, [row])[0]

    def merge(self, tenant_id: str, person_id: str, others: Sequence[str]) -> PersonSummary:
        """Move the faces of ``others`` to ``person_id``; they cease to exist. The person
        keeps its name; without one it takes the others' name if they agree on one. Locks in
        the order every change does: the tenant, then the target's row, then (the triggers)
        the sources' rows."""
        wanted = list(dict.fromkeys(others))
        if not wanted:
            raise InvalidInput("Name at least one person to merge into this one.")
        if person_id in wanted:
            raise InvalidInput("A person cannot be merged into itself.")
        with self._assigning(tenant_id) as session:
            target = _person(session, tenant_id, person_id)
            sources = [_person(session, tenant_id, other) for other in wanted]
            taken = {s.name for s in sources if s.name is not None}
            if target.name is None and len(taken) == 1:
                target.name = taken.pop()
            target.updated_at = utcnow()
            session.flush()
            for source in sources:
                store.move_faces(
                    session=session, tenant_id=tenant_id, source=source.id, target=target.id
                )
            session.expire(target)  # the triggers changed its count and cover
            return _summaries(session, [target])[0]

    def delete(self, tenant_id: str, person_id: str) -> None:
        """Delete a person and its faces (their vectors); the images stay."""
        with self._assigning(tenant_id) as session:
            session.delete(_person(session, tenant_id, person_id))

    def faces_of(self, tenant_id: str, image_ids: Sequence[str]) -> dict[str, list[StoredFace]]:
        """The stored faces of each image (every id asked for, [] if none) with their
        person's current name."""
        found: dict[str, list[StoredFace]] = {image_id: [] for image_id in image_ids}
        with self.db.session() as session:
            for face, name in store.faces_on(
                session=session, tenant_id=tenant_id, image_ids=list(found)
            ):
                found[face.image_id].append(
                    StoredFace(
                        face.id,
                        face.image_id,
                        face.person_id,
                        name,
                        BBox(x=face.x, y=face.y, width=face.width, height=face.height),
                        face.confidence,
                        face.page,
                        face.time_s,
                    )
                )
        return found

    @contextmanager
    def _assigning(self, tenant_id: str) -> Iterator[Session]:
        """A transaction holding the tenant's lock in this process and the database."""
        with self._tenant_lock(tenant_id), self.db.session() as session:
            sync.lock_tenant(session, tenant_id)
            yield session

    def _tenant_lock(self, tenant_id: str) -> threading.Lock:
        """The tenant's lock in this process."""
        with self._guard:
            return self._locks.setdefault(tenant_id, threading.Lock())


def _person(session: Session, tenant_id: str, person_id: str) -> Person:
    row = store.person(session=session, tenant_id=tenant_id, person_id=person_id)
    if row is None:
        raise NotFound(f"No person {person_id!r}.")
    return row


def _summaries(session: Session, rows: Sequence[Person]) -> list[PersonSummary]:
    covers = store.covers(session=session, face_ids=[r.cover_face_id or "" for r in rows])
    summaries = []
    for row in rows:
        image_id, box = covers.get(row.cover_face_id or "", (None, None))
        summaries.append(
            PersonSummary(row.id, row.name, row.face_count, image_id, box, row.created_at)
        )
    return summaries
