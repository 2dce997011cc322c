"""A face job's result holds a query image's face vectors: read once and removed, and when
nobody reads it (the caller gave up), the sweep removes it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from imagelens.db import Database, upgrade
from imagelens.db.jobs import UNREAD_FACES_KEPT, drop_unread_face_vectors
from imagelens.db.tables import Job, Tenant, utcnow
from imagelens.jobs.faces import QueryFace, decode_faces, encode_faces
from imagelens.types import BBox, JobStatus, JobType

BOX = BBox(x=0.1, y=0.2, width=0.3, height=0.4)


def test_vectors_survive_the_round_trip_exactly() -> None:
    vector = np.random.default_rng(1).normal(size=128).astype(np.float32)
    faces, model = decode_faces(encode_faces([QueryFace(BOX, 0.9, vector)], "dlib-v1"))
    assert model == "dlib-v1" and faces[0].bbox == BOX
    assert np.array_equal(faces[0].vector, vector)


def test_unread_face_vectors_are_dropped_by_the_sweep(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    upgrade(url)
    db = Database(url)
    result = encode_faces([QueryFace(BOX, 0.9, np.ones(128, np.float32))], "m")
    now = utcnow()
    with db.session() as session:
        session.add(Tenant(id="t"))
    with db.session() as session:
        for job_id, kind, age in (
            ("old-faces", JobType.FACES, UNREAD_FACES_KEPT * 2),
            ("new-faces", JobType.FACES, timedelta(seconds=5)),
            ("old-describe", JobType.DESCRIBE, UNREAD_FACES_KEPT * 2),
        ):
            session.add(
                Job(
                    id=job_id,
                    tenant_id="t",
                    job_type=kind,
                    status=JobStatus.COMPLETED,
                    options={},
                    result=result,
                    created_at=now - age,
                    completed_at=now - age,
                )
            )
    with db.session() as session:
        assert drop_unread_face_vectors(session=session, finished_before=now - UNREAD_FACES_KEPT)
    with db.session() as session:
        kept = {j.id: j.result for j in session.query(Job)}
    assert kept["old-faces"] is None
    assert kept["new-faces"] == result  # its caller may still be reading it
    assert kept["old-describe"] == result  # other jobs' results are theirs
    db.dispose()
