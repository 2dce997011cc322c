"""A re-analysis keeps who a face is (its person and name, also under a new face model);
one person on several key frames or pages of one file is one person; covers come from the
picture a crop decodes; deleting an image takes the tenant's face lock (PostgreSQL)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from sqlalchemy import select, text

from imagelens.db.tables import Face
from imagelens.engine.base import FoundFace
from imagelens.people import People
from imagelens.people.recognizer import TenantRecognizer
from imagelens.people.sync import lock_for_image_delete
from tests.dlibfaces import DlibEmbedder, descriptors
from tests.peopledb import add_photo, face_rows, image_of, tenant_of


def _faces(*specs: tuple[str, str, dict[str, Any]]) -> tuple[list[FoundFace], np.ndarray]:
    """(who, edit, fields to change) each: the faces and their descriptors."""
    found = [descriptors()[(who, edit)] for who, edit, _ in specs]
    faces = [
        dataclasses.replace(face, **extra)
        for (face, _), (_, _, extra) in zip(found, specs, strict=True)
    ]
    return faces, np.stack([vector for _, vector in found])


class _NewModel(DlibEmbedder):
    version = "dlib-resnet-v1+retrained"


def test_a_named_person_keeps_name_and_id_after_reanalysis(people: People) -> None:
    tenant = tenant_of(people.db)
    image_id, person = add_photo(people, tenant, "astronaut", "orig")  # her only photo
    add_photo(people, tenant, "hopper", "orig")
    people.rename(tenant, person, "Eileen")
    faces, vectors = _faces(("astronaut", "dark", {}))
    refs = people.assign(tenant_id=tenant, image_id=image_id, faces=faces, vectors=vectors)
    assert [(r.person_id, r.name) for r in refs] == [(person, "Eileen")]
    summary = people.get(tenant, person)
    assert (summary.name, summary.face_count) == ("Eileen", 1)
    # A backfill under a new face model: no face of that model exists yet, so the old face
    # of the same place on the image is all that says who this is.
    newer = People(people.db, people.settings, _NewModel.version)
    face, _ = descriptors()[("astronaut", "bright")]
    hook = TenantRecognizer(newer, _NewModel(), tenant_id=tenant, image_id=image_id)
    answers = hook.recognize([face])
    assert answers[0] is not None and (answers[0].person_id, answers[0].name) == (person, "Eileen")
    assert people.get(tenant, person).face_count == 1
    with people.db.session() as session:
        models = session.scalars(select(Face.model).where(Face.image_id == image_id)).all()
    assert models == [_NewModel.version]
    assert face_rows(people.db, tenant) == 2


def test_one_person_on_several_frames_or_pages_is_one_person(people: People) -> None:
    tenant = tenant_of(people.db)
    for where in ("time_s", "page"):
        image_id = image_of(people.db, tenant)
        faces, vectors = _faces(
            ("hopper", "orig", {where: 1}),
            ("hopper", "flip", {where: 2}),
            ("hopper", "dark", {where: 3}),
        )
        refs = people.assign(tenant_id=tenant, image_id=image_id, faces=faces, vectors=vectors)
        assert len({r.person_id for r in refs}) == 1, where
    items = people.list_people(tenant, limit=10, cursor=None).items
    assert [p.face_count for p in items] == [6]
    # Within one frame a person is never twice: two faces there are two people.
    image_id = image_of(people.db, tenant)
    faces, vectors = _faces(
        ("astronaut", "orig", {"time_s": 0.5}), ("astronaut", "flip", {"time_s": 0.5})
    )
    refs = people.assign(tenant_id=tenant, image_id=image_id, faces=faces, vectors=vectors)
    assert refs[0].person_id != refs[1].person_id


def test_covers_come_from_the_picture_a_crop_decodes(people: People) -> None:
    tenant = tenant_of(people.db)
    video = image_of(people.db, tenant)
    faces, vectors = _faces(
        ("hopper", "orig", {"time_s": 1.0}), ("hopper", "flip", {"time_s": 3.0})
    )
    (ref, _) = people.assign(tenant_id=tenant, image_id=video, faces=faces, vectors=vectors)
    only_frames = people.get(tenant, ref.person_id)
    assert (only_frames.cover_image_id, only_frames.cover_bbox) == (None, None)
    # A PDF: the more confident face on page 2 loses to the one on page 1.
    pdf = image_of(people.db, tenant)
    faces, vectors = _faces(
        ("astronaut", "orig", {"page": 2, "confidence": 0.99}),
        ("astronaut", "flip", {"page": 1, "confidence": 0.2}),
    )
    refs = people.assign(tenant_id=tenant, image_id=pdf, faces=faces, vectors=vectors)
    assert refs[0].person_id == refs[1].person_id
    summary = people.get(tenant, refs[0].person_id)
    assert (summary.cover_image_id, summary.cover_bbox) == (pdf, faces[1].bbox)
    # Page 1's face gone (a re-analysis finds page 2's alone): no cover left to show.
    again = people.assign(tenant_id=tenant, image_id=pdf, faces=faces[:1], vectors=vectors[:1])
    assert again[0].person_id == refs[0].person_id
    summary = people.get(tenant, refs[0].person_id)
    assert (summary.face_count, summary.cover_image_id) == (1, None)


def test_deleting_an_image_takes_the_tenant_face_lock(people: People) -> None:
    if people.db.is_sqlite:  # one writer at a time already
        return
    tenant, quiet = tenant_of(people.db), tenant_of(people.db, on=False)
    image_id, _ = add_photo(people, tenant, "hopper", "orig")
    bare = image_of(people.db, quiet)
    probe = "SELECT pg_try_advisory_xact_lock(hashtext('imagelens.faces:' || :tenant))"
    for who, image, locked in ((tenant, image_id, True), (quiet, bare, False)):
        with people.db.session() as session, people.db.session() as other:
            lock_for_image_delete(session, tenant_id=who, image_id=image)
            assert other.scalar(text(probe), {"tenant": who}) is (not locked)
