"""Face search (who in my library is this?) and compare (are these the same person?).

A query image needs the face models, which only workers hold in a scale-out deployment, so
each image goes to a worker as a face job (jobs/faces.py), which hands back its faces and
their vectors; they are read here once and removed from the job at once, and the upload is
removed by the worker: nothing of a query image is kept. Blocking; call off the event loop.
"""

from __future__ import annotations

import numpy as np

from imagelens.config import FacesSettings
from imagelens.db import Database
from imagelens.db.tables import Job
from imagelens.errors import NotConfigured, RecognitionDisabled
from imagelens.intake import Decoder
from imagelens.intake.body import Body
from imagelens.jobs import JobQueue
from imagelens.jobs.faces import QueryFace, decode_faces
from imagelens.people import People
from imagelens.service.uploadjob import submit_query_job, take_query_result
from imagelens.storage import ObjectStore
from imagelens.types import JobType
from imagelens.types.people import (
    ComparedFaces,
    FaceCompareResult,
    FaceMatch,
    FaceSearchResult,
    SearchedFace,
)


class FaceQueries:
    """Face search and compare on images that are not stored."""

    def __init__(
        self,
        *,
        db: Database,
        store: ObjectStore,
        decoder: Decoder,
        queue: JobQueue,
        people: People,
        settings: FacesSettings,
    ) -> None:
        self.db = db
        self.store = store
        self.decoder = decoder
        self.queue = queue
        self.people = people
        self.settings = settings

    def require_server(self) -> None:
        """501 unless the server has face recognition on."""
        if not self.people.server_enabled():
            raise NotConfigured(
                "Face recognition is off on this server; its operator turns it on with "
                "IMAGELENS_FACES__RECOGNITION=true."
            )

    def require_tenant(self, tenant_id: str) -> None:
        """501 (server) or 409 (tenant) unless recognition is on for ``tenant_id``."""
        self.require_server()
        if not self.people.enabled(tenant_id):
            raise RecognitionDisabled(
                "Face recognition is off for this account; an admin turns it on with "
                'PUT /api/v2/settings/faces {"recognition": true}.'
            )

    def submit(self, tenant_id: str, data: bytes | Body) -> str:
        """Check the query image (400 for a corrupt one), keep it for the worker, queue the
        job; the id of the job to wait on."""
        return submit_query_job(
            db=self.db,
            store=self.store,
            decoder=self.decoder,
            queue=self.queue,
            tenant_id=tenant_id,
            job_type=JobType.FACES,
            data=data,
        )

    def faces(self, job: Job, timeout: float) -> list[QueryFace]:
        """A finished face job's faces; its result (the vectors) is removed as it is read."""
        return take_query_result(
            db=self.db,
            job=job,
            timeout=timeout,
            decode=decode_faces,
            model=lambda: self.people.model,
            kind="face",
        )

    def search(self, tenant_id: str, faces: list[QueryFace], limit: int) -> FaceSearchResult:
        """Each query face with the tenant's closest known faces, one per person."""
        faces = _largest(faces)
        if not faces:
            return FaceSearchResult(faces=[])
        found = self.people.match(tenant_id, np.stack([f.vector for f in faces]), limit)
        return FaceSearchResult(
            faces=[
                SearchedFace(
                    bbox=face.bbox,
                    matches=[
                        FaceMatch(
                            person_id=m.person_id,
                            name=m.name,
                            distance=round(m.distance, 4),
                            image_id=m.image_id,
                        )
                        for m in matches
                    ],
                )
                for face, matches in zip(faces, found, strict=True)
            ]
        )

    def compare(self, source: list[QueryFace], target: list[QueryFace]) -> FaceCompareResult:
        """Each source face with its closest target face, closest first."""
        pairs: list[ComparedFaces] = []
        source, target = _largest(source), _largest(target)
        if source and target:
            a = np.stack([f.vector for f in source]).astype(np.float64)
            b = np.stack([f.vector for f in target]).astype(np.float64)
            # |a-b|^2 = |a|^2 + |b|^2 - 2ab: an n x m matrix, never n x m x 128.
            squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
            distances = np.sqrt(np.maximum(squared, 0.0))
            for i, face in enumerate(source):
                j = int(np.argmin(distances[i]))
                distance = float(distances[i, j])
                pairs.append(
                    ComparedFaces(
                        source_bbox=face.bbox,
                        target_bbox=target[j].bbox,
                        distance=round(distance, 4),
                        same_person=distance <= self.settings.same_person_distance,
                    )
                )
        pairs.sort(key=lambda p: p.distance)
        return FaceCompareResult(matches=pairs, source_faces=len(source), target_faces=len(target))


# A crowd photo may hold hundreds of faces; a query answers for its largest ones.
MAX_QUERY_FACES = 50


def _largest(faces: list[QueryFace]) -> list[QueryFace]:
    if len(faces) <= MAX_QUERY_FACES:
        return faces
    by_size = sorted(faces, key=lambda f: f.bbox.width * f.bbox.height, reverse=True)
    return by_size[:MAX_QUERY_FACES]
