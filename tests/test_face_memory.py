"""Face vectors leave process memory with their faces: dropped rows zeroed, an emptied copy
let go, a tenant that withdrew consent forgotten by every process that looks at it, idle
copies dropped, forgetting waiting for a search in flight; face crops expire."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
import pytest
from sqlalchemy import select

from imagelens.db.images import delete_image
from imagelens.db.tables import Image
from imagelens.errors import RecognitionDisabled
from imagelens.people import People, PersonSummary
from imagelens.people.index import FaceIndex
from imagelens.service.people import COVER_TTL_S, PeopleDirectory
from imagelens.types import BBox
from tests.dlibfaces import descriptors
from tests.peopledb import MODEL, add_photo, tenant_of


def _delete(people: People, image_id: str) -> None:
    with people.db.session() as session:
        image = session.scalar(select(Image).where(Image.id == image_id))
        assert image is not None
        delete_image(session=session, image=image)


def _query(who: str = "hopper") -> np.ndarray:
    return descriptors()[(who, "bright")][1][None, :]


def test_deleted_faces_are_zeroed_and_an_emptied_copy_let_go(people: People) -> None:
    tenant = tenant_of(people.db)
    first, _ = add_photo(people, tenant, "hopper", "orig")
    second, _ = add_photo(people, tenant, "astronaut", "orig")
    people.match(tenant, _query())
    shard = people.index._shards[tenant]
    row = shard.rows[next(iter(shard.rows))]  # the first face: hopper's
    _delete(people, first)
    people.match(tenant, _query())  # the next use drops it: its row zeroed, not only masked
    assert not shard.matrix[row].any() and people.index.size(tenant) == 1
    _delete(people, second)
    assert people.match(tenant, _query()) == [[]]
    assert people.index.memory_bytes(tenant) == 0 and not shard.matrix.any()


def test_a_process_that_sees_consent_withdrawn_forgets_the_tenant(people: People) -> None:
    tenant = tenant_of(people.db)
    add_photo(people, tenant, "hopper", "orig")
    elsewhere = People(people.db, people.settings, MODEL)  # another API process
    assert elsewhere.match(tenant, _query())[0]
    shard = elsewhere.index._shards[tenant]
    people.set_enabled(tenant, False)
    assert tenant not in people.index.held()
    assert tenant in elsewhere.index.held()  # nothing told it yet
    assert not elsewhere.enabled(tenant)
    assert tenant not in elsewhere.index.held() and not shard.matrix.any()


def test_idle_copies_are_dropped_at_the_next_use_of_any(people: People) -> None:
    now = [1000.0]
    people.index = FaceIndex(MODEL, idle_s=600, clock=lambda: now[0])
    quiet, busy = tenant_of(people.db), tenant_of(people.db)
    add_photo(people, quiet, "hopper", "orig")
    add_photo(people, busy, "astronaut", "orig")
    people.match(quiet, _query())
    people.match(busy, _query())
    now[0] += 400
    people.match(busy, _query())
    assert people.index.held() == {quiet, busy}
    now[0] += 300  # quiet: 700 s unused; busy: 300 s
    people.match(busy, _query())
    assert people.index.held() == {busy}
    assert people.match(quiet, _query())[0]  # loaded again when used


def test_forgetting_waits_for_a_search_in_flight(people: People) -> None:
    tenant = tenant_of(people.db)
    add_photo(people, tenant, "hopper", "orig")
    people.match(tenant, _query())
    lock = people.index._lock(tenant)
    with lock:  # a search holding the tenant's copy
        forgetting = threading.Thread(target=people.index.forget, args=(tenant,))
        forgetting.start()
        forgetting.join(timeout=0.2)
        assert forgetting.is_alive() and tenant in people.index.held()
    forgetting.join(timeout=5)
    assert tenant not in people.index.held()


class _People:
    def __init__(self) -> None:
        self.on = True

    def get(self, _tenant_id: str, person_id: str) -> PersonSummary:
        box = BBox(x=0.1, y=0.1, width=0.2, height=0.2)
        return PersonSummary(person_id, None, 1, "img", box, datetime.now(UTC))

    def enabled(self, _tenant_id: str) -> bool:
        return self.on


class _Faces:
    def __init__(self, people: _People) -> None:
        self.people = people

    def require_tenant(self, tenant_id: str) -> None:
        if not self.people.enabled(tenant_id):
            raise RecognitionDisabled("off")


def test_face_crops_expire_and_go_with_consent(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    fake = _People()
    directory = PeopleDirectory(
        db=cast(Any, None),
        people=cast(Any, fake),
        faces=cast(Any, _Faces(fake)),
        stores=cast(Any, None),
        decoder=cast(Any, None),
        clock=lambda: now[0],
    )
    crops: list[str] = []

    def crop(_tenant_id: str, image_id: str, _box: BBox) -> bytes:
        crops.append(image_id)
        return b"webp"

    monkeypatch.setattr(directory, "_crop", crop)
    assert directory.cover("t", "per_1") == directory.cover("t", "per_1") == b"webp"
    assert len(crops) == 1
    now[0] += COVER_TTL_S + 1
    directory.cover("t", "per_1")
    assert len(crops) == 2
    fake.on = False  # withdrawn through another process
    with pytest.raises(RecognitionDisabled):
        directory.cover("t", "per_1")
    assert not directory._covers
