"""Visual similarity (``/files/{id}/similar?mode=visual``) and search by image.

Both rank the tenant's visual vectors (the tagger's pooled features) by cosine similarity.
A query image needs the tagger, which only workers hold in a scale-out deployment, so search
by image is a job like describe-image: the upload goes to the store, a worker hands back the
image's features as the job's result (jobs/visual.py), and the upload is removed; no image
row is ever made for the query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select

from imagelens.db import Database
from imagelens.db.tables import Image, Job
from imagelens.errors import NotFound
from imagelens.intake import Decoder
from imagelens.intake.body import Body
from imagelens.jobs import JobQueue
from imagelens.jobs.embeddings import VISUAL
from imagelens.jobs.visual import decode_vector
from imagelens.service.uploadjob import submit_query_job, take_query_result
from imagelens.service.vectors import VectorIndex
from imagelens.service.views import upload_view
from imagelens.storage import ObjectStore
from imagelens.types import JobType
from imagelens.types.api import SearchHit, SearchResults, SimilarImage


class VisualSearch:
    """The tenant's visual neighbours of a stored image or of a query image."""

    def __init__(
        self,
        *,
        db: Database,
        store: ObjectStore,
        decoder: Decoder,
        queue: JobQueue,
        model: Callable[[], str],
    ) -> None:
        """``model``: the version of the visual model (the tagger's) in use."""
        self.db = db
        self.store = store
        self.decoder = decoder
        self.queue = queue
        self.model = model
        self.index = VectorIndex(db, VISUAL, model)

    def neighbours(self, tenant_id: str, image_id: str, limit: int) -> list[SimilarImage]:
        """The images that look most like ``image_id`` (itself left out); empty while it has
        no visual vector yet (not analysed, or analysed before the model changed)."""
        with self.db.session() as session:
            found = session.scalar(
                select(Image.id).where(Image.id == image_id, Image.tenant_id == tenant_id)
            )
        if found is None:
            raise NotFound(f"No image {image_id}.")
        vector = self.index.vector(tenant_id, image_id)
        if vector is None:
            return []
        ranked = self.index.search(tenant_id, vector, limit, exclude=image_id)
        names = self._names(tenant_id, [i for i, _ in ranked])
        return [
            SimilarImage(
                image_id=i,
                filename=names[i],
                thumbnail_url=f"/api/v2/files/{i}/thumbnail",
                score=round(score, 6),
            )
            for i, score in ranked
            if i in names
        ]

    def submit(self, tenant_id: str, data: bytes | Body) -> str:
        """Check the query image (400 for a corrupt one), keep it for the worker, queue the
        job; the id of the job to wait on."""
        return submit_query_job(
            db=self.db,
            store=self.store,
            decoder=self.decoder,
            queue=self.queue,
            tenant_id=tenant_id,
            job_type=JobType.SEARCH_IMAGE,
            data=data,
        )

    def results(self, tenant_id: str, job: Job, limit: int, timeout: float) -> SearchResults:
        """The tenant's images closest to a finished job's query image."""
        vector = take_query_result(
            db=self.db,
            job=job,
            timeout=timeout,
            decode=decode_vector,
            model=self.model,
            kind="visual",
        )
        ranked = self.index.search(tenant_id, vector, limit)
        with self.db.session() as session:
            rows = {
                r.id: r
                for r in session.scalars(
                    select(Image).where(
                        Image.tenant_id == tenant_id, Image.id.in_([i for i, _ in ranked])
                    )
                )
            }
            items = [
                SearchHit(**upload_view(rows[i]).model_dump(), score=round(score, 6))
                for i, score in ranked
                if i in rows
            ]
        return SearchResults(items=items, next_cursor=None, has_more=False)

    def _names(self, tenant_id: str, ids: Sequence[str]) -> dict[str, str]:
        with self.db.session() as session:
            rows = session.execute(
                select(Image.id, Image.filename).where(
                    Image.tenant_id == tenant_id, Image.id.in_(list(ids))
                )
            )
            return {str(i): str(name) for i, name in rows}
