"""People: the per-process facade over faces and people (one per process, built in core.py).

Assignment is serialised per tenant, across threads and processes, so two workers never
split one person by deciding at once: a process lock per tenant, then inside the assignment's
transaction the database's own lock (PostgreSQL: ``pg_advisory_xact_lock`` on the tenant;
SQLite: its single writer, taken by the first statement). Only then is the face index brought
in step and the decision made, so it sees every face committed before. Face vectors are
biometric: never logged, and gone with their image, their person, or the tenant's consent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from sqlalchemy.orm import Session

from imagelens.config import FacesSettings
from imagelens.db import Database
from imagelens.db.tables import Person, Tenant, utcnow
from imagelens.engine.base import FoundFace, PersonRef
from imagelens.errors import InvalidInput, NotFound
from imagelens.people import store
from imagelens.people.cluster import decide
from imagelens.people.index import FaceIndex
from imagelens.people.models import FaceMatch, PeoplePage, PersonSummary, StoredFace
from imagelens.types import BBox

_NAME_LIMIT = 200


class People:
    """Faces and people of every tenant; thread-safe."""

    def __init__(self, db: Database, settings: FacesSettings, model: str) -> None:
        """``model``: the face embedder's version; faces of another model are not searched
        (another model's descriptors live in another space). Empty: no embedder here."""
        self.db = db
        self.settings = settings
        self.model = model
        self.index = FaceIndex(model)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def server_enabled(self) -> bool:
        return self.settings.recognition and bool(self.model)

    def enabled(self, tenant_id: str) -> bool:
        """Recognition on for the server and turned on by the tenant."""
        if not self.server_enabled():
            return False
        with self.db.session() as session:
            return store.tenant_enabled(session=session, tenant_id=tenant_id)

    def set_enabled(self, tenant_id: str, on: bool) -> bool:
        """Record the tenant's choice (returned); off deletes every face vector and person of
        the tenant at once, and its images are recognised anew if it turns it on again."""
        with self._assigning(tenant_id) as session:
            tenant = session.get(Tenant, tenant_id)
            if tenant is None:
                raise NotFound(f"No tenant {tenant_id!r}.")
            tenant.face_recognition = on
            if not on:
                store.forget_tenant(session=session, tenant_id=tenant_id)
        if not on:
            self.index.forget(tenant_id)
        return on

    def assign(
        self, *, tenant_id: str, image_id: str, faces: Sequence[FoundFace], vectors: np.ndarray
    ) -> list[PersonRef]:
        """Store the image's faces (replacing those it had) and say who each is: the person
        its nearest faces vote for, or a new one. Empty when recognition is off for the
        tenant or the image is gone (both may change while a job runs)."""
        matrix = _checked(vectors, len(faces))
        if not self.server_enabled():
            return []
        # A few statements, each doing several things (tests/test_people.py counts them):
        # PostgreSQL's advisory lock; the image marked (and locked) with the consent check
        # and the signature read; the index brought in step (no read when this process made
        # the last change); the image's old faces deleted (a re-analysis); the owners of the
        # nearest faces with their names; the new people and faces inserted.
        with self._tenant_lock(tenant_id):
            with self.db.session() as session:
                store.lock_assignment(session, tenant_id)
                opened = store.open_image(
                    session=session, tenant_id=tenant_id, image_id=image_id, model=self.model
                )
                if opened is None:
                    return []
                self.index.refresh(session, tenant_id, opened.signature)
                gone = (
                    store.delete_image_faces(session=session, image_id=image_id)
                    if opened.had_faces
                    else []
                )
                near = self.index.search(
                    tenant_id, matrix, self.settings.neighbours, excluding=gone
                )
                placed, added = self._place(session, tenant_id, image_id, faces, matrix, near)
            # Committed: the index takes this transaction's own changes without a read.
            self.index.applied(tenant_id, opened.signature, added=added, removed=gone)
        return placed

    def _place(
        self,
        session: Session,
        tenant_id: str,
        image_id: str,
        faces: Sequence[FoundFace],
        matrix: np.ndarray,
        near: list[list[tuple[str, float]]],
    ) -> tuple[list[PersonRef], list[store.NewFace]]:
        """Insert each face into the person decided for it (merging where it links people);
        who each is, in order, and the faces inserted. Inserts wait for the end (one
        statement for the new people, one for the faces) unless a merge must move faces."""
        ids = {face_id for found in near for face_id, _ in found}
        owners = store.owners(session=session, tenant_id=tenant_id, ids=ids)
        names = {o.person_id: o.name for o in owners.values()}
        chosen: list[str] = []
        new_people: list[str] = []
        pending: list[store.NewFace] = []
        added: list[store.NewFace] = []

        def insert() -> None:
            store.insert_rows(
                session=session, tenant_id=tenant_id, people=new_people, faces=pending
            )
            added.extend(pending)
            new_people.clear()
            pending.clear()

        for face, vector, neighbours in zip(faces, matrix, near, strict=True):
            decision = decide(
                neighbours,
                owners,
                match_distance=self.settings.match_distance,
                merge_distance=self.settings.merge_distance,
                taken=chosen,
            )
            target = decision.person_id
            if target is None:
                target = store.new_person_id()
                new_people.append(target)
                names[target] = None
            if decision.merge:
                insert()  # the faces placed so far move with their people
            for source in decision.merge:
                store.move_faces(session=session, tenant_id=tenant_id, source=source, target=target)
                owners = {
                    face_id: store.Owner(face_id, target, o.name, o.image_id)
                    if o.person_id == source
                    else o
                    for face_id, o in owners.items()
                }
            pending.append(
                store.new_face(
                    tenant_id=tenant_id,
                    image_id=image_id,
                    person_id=target,
                    face=face,
                    vector=vector,
                    model=self.model,
                )
            )
            chosen.append(target)
        insert()
        return [PersonRef(person_id, names.get(person_id)) for person_id in chosen], added

    def match(self, tenant_id: str, vectors: np.ndarray, limit: int = 5) -> list[list[FaceMatch]]:
        """Per query descriptor, the tenant's people within ``same_person_distance``, nearest
        first, each with the image of its nearest face (read-only)."""
        matrix = _checked(vectors, None)
        wide = max(4 * limit, self.settings.neighbours)
        with self.db.session() as session:
            near = self.index.nearest(session, tenant_id, matrix, wide)
            owners = store.owners(
                session=session, tenant_id=tenant_id, ids={f for n in near for f, _ in n}
            )
        answers: list[list[FaceMatch]] = []
        for neighbours in near:
            best: dict[str, FaceMatch] = {}
            for face_id, distance in neighbours:
                owner = owners.get(face_id)
                if owner is None or distance > self.settings.same_person_distance:
                    continue
                if owner.person_id not in best:  # nearest first: the first is the closest
                    best[owner.person_id] = FaceMatch(
                        owner.person_id, owner.name, distance, owner.image_id
                    )
            answers.append(list(best.values())[:limit])
        return answers

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
        keeps its name; without one it takes the others' name if they agree on one."""
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
        """A transaction holding the tenant's assignment lock in this process and the
        database."""
        with self._tenant_lock(tenant_id), self.db.session() as session:
            store.lock_tenant(session, tenant_id)
            yield session

    def _tenant_lock(self, tenant_id: str) -> threading.Lock:
        """The tenant's assignment lock in this process."""
        with self._guard:
            return self._locks.setdefault(tenant_id, threading.Lock())


def _person(session: Session, tenant_id: str, person_id: str) -> Person:
    row = store.person(session=session, tenant_id=tenant_id, person_id=person_id)
    if row is None:
        raise NotFound(f"No person {person_id!r}.")
    return row


def _summaries(session: Session, rows: Sequence[Person]) -> list[PersonSummary]:
    covers = store.covers(session=session, face_ids=[r.cover_face_id or "" for r in rows])
    empty = ("", BBox(x=0, y=0, width=0, height=0))
    return [
        PersonSummary(
            row.id,
            row.name,
            row.face_count,
            *covers.get(row.cover_face_id or "", empty),
            row.created_at,
        )
        for row in rows
    ]


def _checked(vectors: np.ndarray, rows: int | None) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1 and matrix.shape[0] == store.DIM:
        matrix = matrix[None, :]
    if matrix.size == 0 and rows in (0, None):
        return np.zeros((0, store.DIM), np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != store.DIM or not np.isfinite(matrix).all():
        raise InvalidInput(f"Face descriptors must be finite rows of {store.DIM} numbers.")
    if rows is not None and matrix.shape[0] != rows:
        raise InvalidInput(f"{rows} faces came with {matrix.shape[0]} descriptors.")
    return matrix
