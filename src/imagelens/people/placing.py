"""Placing an image's new faces into people, inside the assignment's transaction and lock
(:meth:`People.assign <imagelens.people.service.People.assign>`).

Each face's candidates are its nearest faces in the tenant's index, the faces placed before
it in the same call (another key frame or page of the same file shows the same person), and
on a re-analysis the image's old faces, which are still stored while the new ones are placed
(so a person whose only face was on this image, and their name, carries over): those of the
current model by their descriptor, those of another model (a backfill after a model change)
by their place, same page and frame and a box overlapping by half, as if at distance 0. A
person the face had before wins when it has a vote. The old faces are deleted last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.orm import Session

from imagelens.config import FacesSettings
from imagelens.engine.base import FoundFace, PersonRef
from imagelens.people import store
from imagelens.people.cluster import decide
from imagelens.people.store import NewFace, OldFace, Owner
from imagelens.types import BBox

_SAME_PLACE = 0.5  # intersection over union of two boxes of one face


@dataclass
class _Placing:
    """One call's state: who each face placed so far is, and the faces waiting to be
    inserted (one statement for the new people, one for the faces, unless a merge must move
    faces first)."""

    session: Session
    tenant_id: str
    owners: dict[str, Owner]
    names: dict[str, str | None]
    chosen: list[str] = field(default_factory=list)
    new_people: list[str] = field(default_factory=list)
    pending: list[NewFace] = field(default_factory=list)
    added: list[NewFace] = field(default_factory=list)

    def insert(self) -> None:
        store.insert_rows(
            session=self.session,
            tenant_id=self.tenant_id,
            people=self.new_people,
            faces=self.pending,
        )
        self.added.extend(self.pending)
        self.new_people.clear()
        self.pending.clear()

    def merge(self, source: str, target: str) -> None:
        store.move_faces(
            session=self.session, tenant_id=self.tenant_id, source=source, target=target
        )
        self.owners = {
            face_id: Owner(face_id, target, o.name, o.image_id) if o.person_id == source else o
            for face_id, o in self.owners.items()
        }
        self.chosen = [target if p == source else p for p in self.chosen]


def place(
    session: Session,
    *,
    tenant_id: str,
    image_id: str,
    model: str,
    settings: FacesSettings,
    faces: Sequence[FoundFace],
    matrix: np.ndarray,
    near: list[list[tuple[str, float]]],
    reanalysis: bool,
) -> tuple[list[PersonRef], list[NewFace], list[str]]:
    """Insert each face into the person decided for it (merging where it links people) and
    delete the image's old faces: who each face is, in order; the faces inserted; the ids
    of the faces deleted."""
    ids = {face_id for found in near for face_id, _ in found}
    owners, old = store.owners(
        session=session, tenant_id=tenant_id, ids=ids, image_id=image_id if reanalysis else None
    )
    state = _Placing(session, tenant_id, owners, {o.person_id: o.name for o in owners.values()})
    groups: list[tuple[int | None, float | None]] = []
    for face, vector, neighbours in zip(faces, matrix, near, strict=True):
        group = (face.page, face.time_s)
        candidates, keep = _candidates(face, vector, neighbours, state, old, model)
        decision = decide(
            candidates,
            state.owners,
            match_distance=settings.match_distance,
            merge_distance=settings.merge_distance,
            taken={p for p, g in zip(state.chosen, groups, strict=True) if g == group},
            keep=keep,
        )
        target = decision.person_id
        if target is None:
            target = store.new_person_id()
            state.new_people.append(target)
            state.names[target] = None
        if decision.merge:
            state.insert()  # the faces placed so far move with their people
        for source in decision.merge:
            state.merge(source, target)
        row = store.new_face(
            tenant_id=tenant_id,
            image_id=image_id,
            person_id=target,
            face=face,
            vector=vector,
            model=model,
        )
        state.pending.append(row)
        state.owners[row.id] = Owner(row.id, target, state.names.get(target), image_id)
        state.chosen.append(target)
        groups.append(group)
    state.insert()
    gone = [o.owner.face_id for o in old]
    store.delete_faces(session=session, ids=gone)
    refs = [PersonRef(p, state.names.get(p)) for p in state.chosen]
    return refs, state.added, gone


def _candidates(
    face: FoundFace,
    vector: np.ndarray,
    neighbours: list[tuple[str, float]],
    state: _Placing,
    old: Sequence[OldFace],
    model: str,
) -> tuple[list[tuple[str, float]], set[str]]:
    """The face's neighbours (face id, distance), nearest first, with the faces placed in
    this call and the image's old faces; and the people of the old faces that are this one."""
    found = dict(neighbours)
    placed = [*state.added, *state.pending]
    if placed:
        block = np.stack([f.vector for f in placed])
        for f, distance in zip(placed, np.linalg.norm(block - vector, axis=1), strict=True):
            found[f.id] = float(distance)
    keep: set[str] = set()
    for earlier in old:
        here = (earlier.page, earlier.time_s) == (face.page, face.time_s) and (
            _overlap(earlier.bbox, face.bbox) >= _SAME_PLACE
        )
        if earlier.model == model:
            distance = float(np.linalg.norm(earlier.vector - vector))
        elif here:
            distance = 0.0  # another model's descriptor: matched by its place alone
        else:
            continue
        found[earlier.owner.face_id] = distance
        if here:
            keep.add(state.owners[earlier.owner.face_id].person_id)
    return sorted(found.items(), key=lambda item: item[1]), keep


def _overlap(a: BBox, b: BBox) -> float:
    """Intersection over union of two boxes."""
    width = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    height = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a.width * a.height + b.width * b.height - inter)
