"""People: the per-process facade over faces and people (one per process, built in core.py).

Assignment is serialised per tenant, across threads and processes, so two workers never
split one person by deciding at once: a process lock per tenant, then inside the assignment's
transaction the database's own lock (PostgreSQL: ``pg_advisory_xact_lock`` on the tenant;
SQLite: its single writer, taken by the first statement). Only then is the face index brought
in step and the decision made, so it sees every face committed before. Face vectors are
biometric: never logged, and gone with their image, their person, or the tenant's consent
(a process that finds a tenant's consent withdrawn drops its copy of the tenant's faces).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from imagelens.config import FacesSettings
from imagelens.db import Database
from imagelens.db.tables import Tenant
from imagelens.engine.base import FoundFace, PersonRef
from imagelens.errors import InvalidInput, NotFound
from imagelens.people import store, sync
from imagelens.people.index import FaceIndex
from imagelens.people.manage import Management
from imagelens.people.models import FaceMatch
from imagelens.people.placing import place


class People(Management):
    """Faces and people of every tenant; thread-safe."""

    def __init__(self, db: Database, settings: FacesSettings, model: str) -> None:
        """``model``: the face embedder's version; faces of another model are not searched
        (another model's descriptors live in another space). Empty: no embedder here."""
        super().__init__(db)
        self.settings = settings
        self.model = model
        self.index = FaceIndex(model)

    def server_enabled(self) -> bool:
        return self.settings.recognition and bool(self.model)

    def enabled(self, tenant_id: str) -> bool:
        """Recognition on for the server and turned on by the tenant. Off: this process
        drops its copy of the tenant's faces (consent withdrawn through another process)."""
        if not self.server_enabled():
            on = False
        else:
            with self.db.session() as session:
                on = sync.tenant_enabled(session=session, tenant_id=tenant_id)
        if not on:
            self.index.forget(tenant_id)
        return on

    def set_enabled(self, tenant_id: str, on: bool) -> bool:
        """Record the tenant's choice (returned); off deletes every face vector and person of
        the tenant at once, and its images are recognised anew if it turns it on again."""
        with self._tenant_lock(tenant_id):
            with self.db.session() as session:
                sync.lock_tenant(session, tenant_id)
                tenant = session.get(Tenant, tenant_id)
                if tenant is None:
                    raise NotFound(f"No tenant {tenant_id!r}.")
                tenant.face_recognition = on
                if not on:
                    sync.forget_tenant(session=session, tenant_id=tenant_id)
            if not on:  # committed: a copy loaded from now on holds nothing
                self.index.forget(tenant_id)
        return on

    def assign(
        self, *, tenant_id: str, image_id: str, faces: Sequence[FoundFace], vectors: np.ndarray
    ) -> list[PersonRef]:
        """Store the image's faces (replacing those it had) and say who each is: the person
        its nearest faces vote for, or a new one; on a re-analysis, who the same face was.
        Empty when recognition is off for the tenant or the image is gone (both may change
        while a job runs)."""
        matrix = _checked(vectors, len(faces))
        if not self.server_enabled():
            return []
        # A few statements, each doing several things (tests/test_people.py counts them):
        # PostgreSQL's advisory lock; the image marked (and locked; on SQLite the write lock
        # taken before anything is read) with the consent check and the signature read; the
        # index brought in step (no read when this process made the last change); the owners
        # of the nearest faces with their names, and the image's old faces (a re-analysis);
        # the new people and faces inserted; the old faces deleted.
        with self._tenant_lock(tenant_id):
            with self.db.session() as session:
                sync.lock_tenant(session, tenant_id, writes_next=True)
                opened = sync.open_image(
                    session=session, tenant_id=tenant_id, image_id=image_id, model=self.model
                )
                if opened is None:
                    return []
                self.index.refresh(session, tenant_id, opened.signature)
                near = self.index.search(tenant_id, matrix, self.settings.neighbours)
                placed, added, gone = place(
                    session,
                    tenant_id=tenant_id,
                    image_id=image_id,
                    model=self.model,
                    settings=self.settings,
                    faces=faces,
                    matrix=matrix,
                    near=near,
                    reanalysis=opened.had_faces,
                )
            # Committed: the index takes this transaction's own changes without a read.
            self.index.applied(tenant_id, opened.signature, added=added, removed=gone)
        return placed

    def match(self, tenant_id: str, vectors: np.ndarray, limit: int = 5) -> list[list[FaceMatch]]:
        """Per query descriptor, the tenant's people within ``same_person_distance``, nearest
        first, each with the image of its nearest face (read-only)."""
        matrix = _checked(vectors, None)
        wide = max(4 * limit, self.settings.neighbours)
        with self.db.session() as session:
            near = self.index.nearest(session, tenant_id, matrix, wide)
            owners, _ = store.owners(
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
