"""People on SQLite and PostgreSQL with real dlib descriptors: clustering across edits,
rename/merge/delete, tenants, consent withdrawn, image deletion, racing workers."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sqlalchemy import delete, event, func, select

from imagelens.config import FacesSettings
from imagelens.db import Database
from imagelens.db.images import delete_image
from imagelens.db.tables import FaceRemoval, Image, Person
from imagelens.engine.base import FoundFace
from imagelens.errors import InvalidInput, NotFound
from imagelens.people import People
from imagelens.people.recognizer import TenantRecognizer
from tests.dlibfaces import EDITS, DlibEmbedder, descriptors, largest_face, photo
from tests.peopledb import MODEL, add_photo, face_rows, image_of, tenant_of


def test_one_person_across_edits_and_two_people_apart(people: People) -> None:
    tenant = tenant_of(people.db)
    found = {
        who: {add_photo(people, tenant, who, e)[1] for e in EDITS}
        for who in ("astronaut", "hopper")
    }
    assert len(found["astronaut"]) == 1 and len(found["hopper"]) == 1
    assert found["astronaut"] != found["hopper"]
    page = people.list_people(tenant, limit=10, cursor=None)
    assert [p.face_count for p in page.items] == [len(EDITS), len(EDITS)]
    assert not page.has_more
    first = people.list_people(tenant, limit=1, cursor=None)
    second = people.list_people(tenant, limit=1, cursor=first.next_cursor)
    assert first.has_more and not second.has_more
    assert {first.items[0].person_id, second.items[0].person_id} == {
        *found["astronaut"],
        *found["hopper"],
    }
    # Search by face: Eileen Collins' photo finds her, and not Grace Hopper.
    query = largest_face(photo("astronaut").resize((400, 400)))[1]
    matches = people.match(tenant, query[None, :])[0]
    assert [m.person_id for m in matches] == list(found["astronaut"])
    assert matches[0].distance < 0.3


def test_rename_merge_delete(people: People) -> None:
    tenant = tenant_of(people.db)
    image_a, astronaut = add_photo(people, tenant, "astronaut", "orig")
    image_b, _ = add_photo(people, tenant, "astronaut", "flip")
    image_h, hopper = add_photo(people, tenant, "hopper", "orig")
    named = people.rename(tenant, astronaut, "  Eileen Collins ")
    assert named.name == "Eileen Collins" and named.face_count == 2
    # The cover: her most confident x largest face (the first added on a tie).
    a, b = (descriptors()[("astronaut", edit)][0] for edit in ("orig", "flip"))
    score_a, score_b = (f.confidence * f.bbox.width * f.bbox.height for f in (a, b))
    cover, box = (image_b, b.bbox) if score_b > score_a else (image_a, a.bbox)
    assert (named.cover_image_id, named.cover_bbox) == (cover, box)
    # The name shows on the faces of her images, read when asked.
    assert people.faces_of(tenant, [image_a, image_h])[image_a][0].name == "Eileen Collins"
    with pytest.raises(InvalidInput):
        people.merge(tenant, astronaut, [astronaut])
    with pytest.raises(InvalidInput):
        people.merge(tenant, astronaut, [])
    with pytest.raises(NotFound):
        people.merge(tenant, astronaut, ["per_nobody"])
    merged = people.merge(tenant, astronaut, [hopper])
    assert merged.face_count == 3 and merged.name == "Eileen Collins"
    with pytest.raises(NotFound):
        people.get(tenant, hopper)
    assert people.faces_of(tenant, [image_h])[image_h][0].person_id == astronaut
    people.delete(tenant, astronaut)
    assert face_rows(people.db, tenant) == 0  # the vectors went with the person
    with pytest.raises(NotFound):
        people.get(tenant, astronaut)
    with people.db.session() as session:
        assert session.get(Image, image_a) is not None  # the images stay


def test_tenants_never_share_people(people: People) -> None:
    one, two = tenant_of(people.db), tenant_of(people.db)
    _, theirs = add_photo(people, one, "astronaut", "orig")
    _, ours = add_photo(people, two, "astronaut", "flip")
    assert theirs != ours
    for call in (
        lambda: people.get(two, theirs),
        lambda: people.rename(two, theirs, "x"),
        lambda: people.delete(two, theirs),
        lambda: people.merge(two, ours, [theirs]),
    ):
        with pytest.raises(NotFound):
            call()
    assert [p.person_id for p in people.list_people(two, limit=10, cursor=None).items] == [ours]
    # An image of another tenant takes no faces.
    foreign = image_of(people.db, one)
    face, vector = descriptors()[("hopper", "orig")]
    assert people.assign(tenant_id=two, image_id=foreign, faces=[face], vectors=vector) == []


def test_turning_recognition_off_erases_vectors_and_people(people: People) -> None:
    tenant = tenant_of(people.db)
    image_id, person = add_photo(people, tenant, "hopper", "orig")
    assert people.enabled(tenant)
    assert people.set_enabled(tenant, False) is False
    assert not people.enabled(tenant)
    assert face_rows(people.db, tenant) == 0
    assert people.list_people(tenant, limit=10, cursor=None).items == []
    with people.db.session() as session:
        assert session.get(Image, image_id).faces_model is None  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).where(Person.tenant_id == tenant)) == 0
    # Off: a job that was already running stores nothing.
    face, vector = descriptors()[("hopper", "flip")]
    assert people.assign(tenant_id=tenant, image_id=image_id, faces=[face], vectors=vector) == []
    assert face_rows(people.db, tenant) == 0
    with pytest.raises(NotFound):
        people.get(tenant, person)
    # And a server that has recognition off never calls a tenant enabled.
    people.set_enabled(tenant, True)
    assert not People(people.db, FacesSettings(), MODEL).enabled(tenant)


def test_deleting_an_image_deletes_its_faces_and_fixes_the_count(people: People) -> None:
    tenant = tenant_of(people.db)
    first, person = add_photo(people, tenant, "astronaut", "orig")
    second, again = add_photo(people, tenant, "astronaut", "half")
    assert again == person and people.get(tenant, person).face_count == 2
    with people.db.session() as session:
        delete_image(session=session, image=session.get(Image, first))  # type: ignore[arg-type]
    summary = people.get(tenant, person)
    assert summary.face_count == 1 and summary.cover_image_id == second
    assert face_rows(people.db, tenant) == 1
    # The index notices at its next use: a new photo still finds her.
    assert add_photo(people, tenant, "astronaut", "dark")[1] == person
    with people.db.session() as session:
        for image_id in (second,):
            delete_image(session=session, image=session.get(Image, image_id))  # type: ignore[arg-type]
    assert people.get(tenant, person).face_count == 1


def test_an_assignment_takes_a_few_statements(people: People) -> None:
    """Round trips are most of an assignment's cost (issue 20: <= 10 ms at 100k faces):
    PostgreSQL's advisory lock, the image marked with the consent and signature read, the
    owners of the nearest faces, the insert; a new person adds its insert, a re-analysis the
    delete of the old faces; the index reads nothing when this process made the last change."""
    tenant = tenant_of(people.db)
    _, person = add_photo(people, tenant, "astronaut", "orig")  # loads the index
    images = [image_of(people.db, tenant) for _ in range(2)]
    lock = 0 if people.db.is_sqlite else 1
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    def assign(image_id: str, who: str, edit: str) -> list[str]:
        face, vector = descriptors()[(who, edit)]
        statements.clear()
        event.listen(people.db.engine, "before_cursor_execute", count)
        try:
            refs = people.assign(tenant_id=tenant, image_id=image_id, faces=[face], vectors=vector)
        finally:
            event.remove(people.db.engine, "before_cursor_execute", count)
        assert len(refs) == 1
        return [refs[0].person_id, *statements]

    joined, *joining = assign(images[0], "astronaut", "flip")
    hopper, *starting = assign(images[1], "hopper", "orig")
    again, *reanalysing = assign(images[0], "astronaut", "dark")
    assert joined == again == person != hopper
    assert len(joining) == lock + 3, joining
    assert len(starting) == lock + 4, starting  # the new person's insert
    assert len(reanalysing) == lock + 4, reanalysing  # the old face's delete
    assert people.get(tenant, person).face_count == 2


def test_the_index_drops_removed_faces_by_the_log_or_the_live_ids(people: People) -> None:
    tenant = tenant_of(people.db)
    first, person = add_photo(people, tenant, "astronaut", "orig")
    add_photo(people, tenant, "astronaut", "flip")
    third, hopper = add_photo(people, tenant, "hopper", "orig")
    with people.db.session() as session:
        delete_image(session=session, image=session.get(Image, first))  # type: ignore[arg-type]
        logged = session.scalars(select(FaceRemoval.face_id).where(FaceRemoval.tenant_id == tenant))
        assert len(list(logged)) == 1
    assert add_photo(people, tenant, "astronaut", "half")[1] == person
    assert people.index.size(tenant) == 3  # the logged removal dropped
    # The log pruned (a copy far behind): the live ids are read instead.
    with people.db.session() as session:
        delete_image(session=session, image=session.get(Image, third))  # type: ignore[arg-type]
        session.execute(delete(FaceRemoval).where(FaceRemoval.tenant_id == tenant))
    assert add_photo(people, tenant, "hopper", "flip")[1] != hopper  # hopper's only face went
    assert people.index.size(tenant) == 3
    assert [p.face_count for p in people.list_people(tenant, limit=10, cursor=None).items] == [
        2,
        1,
    ]


def test_reanalysis_replaces_the_image_faces(people: People) -> None:
    tenant = tenant_of(people.db)
    image_id, person = add_photo(people, tenant, "hopper", "orig")
    add_photo(people, tenant, "hopper", "flip")
    face, vector = descriptors()[("hopper", "dark")]
    refs = people.assign(tenant_id=tenant, image_id=image_id, faces=[face], vectors=vector)
    assert [r.person_id for r in refs] == [person]
    assert people.get(tenant, person).face_count == 2
    assert (
        people.assign(tenant_id=tenant, image_id=image_id, faces=[], vectors=np.zeros((0, 128)))
        == []
    )
    assert people.get(tenant, person).face_count == 1


def test_the_recognizer_embeds_chips_and_assigns(people: People) -> None:
    tenant = tenant_of(people.db)
    _, person = add_photo(people, tenant, "astronaut", "orig")
    people.rename(tenant, person, "Eileen")
    face, _ = descriptors()[("astronaut", "bright")]
    chipless = FoundFace(bbox=face.bbox, confidence=0.5)
    image_id = image_of(people.db, tenant)
    hook = TenantRecognizer(people, DlibEmbedder(), tenant_id=tenant, image_id=image_id)
    answers = hook.recognize([chipless, face])
    assert answers[0] is None
    assert answers[1] is not None and (answers[1].person_id, answers[1].name) == (person, "Eileen")


@pytest.mark.parametrize("processes", [1, 2])
def test_racing_workers_make_one_person(people_url: str, people: People, processes: int) -> None:
    """Two workers analysing one person's photos at once: threads of one process (one
    People), or two processes (each its own Database and People, on the same SQLite file or
    PostgreSQL database), where only the database's lock serialises their decisions."""
    tenant = tenant_of(people.db)
    workers = [people, people]
    if processes == 2:
        workers[1] = People(Database(people_url), people.settings, MODEL)
    images = [image_of(people.db, tenant) for _ in range(6)]
    edits = ["orig", "flip", "half", "rot10", "dark", "bright"]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            for n in range(index, len(images), 2):
                face, vector = descriptors()[("hopper", edits[n])]
                workers[index].assign(
                    tenant_id=tenant, image_id=images[n], faces=[face], vectors=vector
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    items = people.list_people(tenant, limit=10, cursor=None).items
    assert [p.face_count for p in items] == [6]
    if workers[1] is not people:
        workers[1].db.dispose()
