"""The read side of a tenant's library: files, their bytes, text, look-alikes, jobs and
sessions (blocking; call off the event loop). Another tenant's ids read as absent (404)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from imagelens.db import Database
from imagelens.db.images import ImageFilter, get_image, list_images
from imagelens.db.jobs import get_job, get_session, session_images
from imagelens.db.tables import Image, Job
from imagelens.errors import NotFound
from imagelens.intake import Decoder, make_thumbnail
from imagelens.intake.hashes import hamming_distance
from imagelens.jobs.originals import decode_stored
from imagelens.people import People
from imagelens.people.models import StoredFace
from imagelens.service.search import SearchMode, search
from imagelens.service.views import (
    analysis_view,
    batch_job_view,
    current_faces,
    image_job_view,
    session_view,
    upload_view,
)
from imagelens.storage import thumbnail_key
from imagelens.storage.base import ObjectReader
from imagelens.storage.tenants import TenantStores
from imagelens.types import AnalysisResult, JobType
from imagelens.types.api import (
    FileAnalysis,
    FileList,
    FileText,
    JobResponse,
    SessionStatus,
    SimilarImage,
    SimilarImages,
    UploadResult,
)

__all__ = ["ImageFilter", "Library", "StoredFile"]


# A thumbnail is a WebP of at most 256x256 (lossless worst case ~260 KB).
MAX_THUMBNAIL_BYTES = 1024 * 1024
# An original this small is read whole before answering, so a store that fails answers
# with a clear error instead of a body cut short; larger ones are streamed.
READ_AHEAD_BYTES = 1024 * 1024
# What a search hit has beyond an UploadResult.
_HIT = {"score", "highlights"}


@dataclass(frozen=True)
class StoredFile:
    """An original on its way out: ``head`` read already, ``rest`` streamed after it
    (empty when all of it fit in ``head``), ``size`` when the store declared it."""

    head: bytes
    rest: Iterator[bytes]
    size: int | None
    content_type: str


class Library:
    def __init__(
        self,
        *,
        db: Database,
        stores: TenantStores,
        decoder: Decoder,
        spool: Path | None = None,
        people: People | None = None,
    ) -> None:
        """``spool``: where a big original is copied while a thumbnail is made of it;
        ``people``: who the faces are now (names and merges after the analysis)."""
        self.db = db
        self.stores = stores
        self.decoder = decoder
        self.spool = spool
        self.people = people

    def faces_now(self, tenant_id: str, image_ids: list[str]) -> dict[str, list[StoredFace]]:
        """The stored faces of each image with who they are now ({} without people)."""
        if self.people is None or not image_ids:
            return {}
        return self.people.faces_of(tenant_id, image_ids)

    def _with_people(self, tenant_id: str, views: list[UploadResult]) -> list[UploadResult]:
        """``views`` with each face's person as it is now (see :func:`current_faces`)."""
        ids = [v.image_id for v in views if v.image_id and v.faces is not None]
        stored = self.faces_now(tenant_id, ids)
        return [
            v.model_copy(update={"faces": current_faces(v.faces or [], stored[v.image_id])})
            if v.image_id in stored
            else v
            for v in views
        ]

    def _image(self, tenant_id: str, image_id: str) -> Image:
        with self.db.session() as session:
            image = get_image(session=session, tenant_id=tenant_id, image_id=image_id)
            if image is None:
                raise NotFound(f"No image {image_id}.")
            return image

    def list_files(
        self, tenant_id: str, filters: ImageFilter, limit: int, cursor: str | None
    ) -> FileList:
        """One page of the tenant's images: newest first, or with ``filters.q`` the best
        matches first (full-text search; the cursor is then a rank offset)."""
        if filters.q:
            found = search(
                db=self.db,
                semantic=None,
                tenant_id=tenant_id,
                query=filters.q,
                mode=SearchMode.TEXT,
                filters=filters,
                limit=limit,
                cursor=cursor,
            )
            return FileList(
                items=self._with_people(
                    tenant_id,
                    [UploadResult.model_validate(h.model_dump(exclude=_HIT)) for h in found.items],
                ),
                next_cursor=found.next_cursor,
                has_more=found.has_more,
            )
        with self.db.session() as session:
            rows, next_cursor = list_images(
                session=session, tenant_id=tenant_id, filters=filters, limit=limit, cursor=cursor
            )
            now = self.faces_now(tenant_id, [r.id for r in rows])
            return FileList(
                items=[upload_view(r, faces_now=now.get(r.id)) for r in rows],
                next_cursor=next_cursor,
                has_more=next_cursor is not None,
            )

    def get_file(self, tenant_id: str, image_id: str) -> UploadResult:
        image = self._image(tenant_id, image_id)
        return upload_view(image, faces_now=self.faces_now(tenant_id, [image_id]).get(image_id))

    def analysis(self, tenant_id: str, image_id: str) -> FileAnalysis:
        image = self._image(tenant_id, image_id)
        return analysis_view(image, faces_now=self.faces_now(tenant_id, [image_id]).get(image_id))

    def content(self, tenant_id: str, image_id: str) -> StoredFile:
        """The original bytes as uploaded, never more than the size recorded for them
        (a store answering with more fails with 503 naming it)."""
        image = self._image(tenant_id, image_id)
        store = self.stores.for_reading(image.tenant_id, image.storage_target)
        reader = store.open(image.storage_key, max_bytes=image.size_bytes)
        head = bytearray()
        try:
            for chunk in reader.chunks:
                head += chunk
                if len(head) >= READ_AHEAD_BYTES:
                    break
            else:
                reader.close()
                return StoredFile(bytes(head), iter(()), len(head), image.content_type)
            if reader.size == len(head):  # exactly the read-ahead: answered whole, never streamed
                reader.close()
                return StoredFile(bytes(head), iter(()), len(head), image.content_type)
        except BaseException:
            reader.close()
            raise
        return StoredFile(bytes(head), _closing(reader), reader.size, image.content_type)

    def thumbnail(self, tenant_id: str, image_id: str) -> bytes:
        """A WebP at most 256 px on its longer side, made on first request."""
        image = self._image(tenant_id, image_id)
        store = self.stores.for_reading(image.tenant_id, image.storage_target)
        key = thumbnail_key(image.content_hash)
        if not store.exists(key):
            decoded = decode_stored(
                self.decoder, store, image.storage_key, max_bytes=image.size_bytes, spool=self.spool
            )
            store.put(key, make_thumbnail(decoded.image))
        return store.get(key, max_bytes=MAX_THUMBNAIL_BYTES)

    def text(self, tenant_id: str, image_id: str) -> FileText:
        image = self._image(tenant_id, image_id)
        result = AnalysisResult.model_validate(image.result) if image.result else None
        return FileText(
            image_id=image.id,
            visible_text=image.visible_text,
            text_regions=result.text_regions if result else [],
        )

    def similar(
        self, tenant_id: str, image_id: str, max_distance: int, limit: int
    ) -> SimilarImages:
        """The tenant's images whose perceptual hash is within ``max_distance`` bits."""
        target = self._image(tenant_id, image_id)
        with self.db.session() as session:
            rows = session.execute(
                select(Image.id, Image.filename, Image.perceptual_hash).where(
                    Image.tenant_id == tenant_id, Image.id != image_id
                )
            ).all()
        # A linear scan of 64-bit hashes: ~1 µs each, fine for one tenant's library.
        scored = [
            (hamming_distance(target.perceptual_hash, phash), i, name)
            for i, name, phash in rows
            if phash and target.perceptual_hash
        ]
        matches = sorted(s for s in scored if s[0] <= max_distance)[:limit]
        return SimilarImages(
            image_id=image_id,
            items=[
                SimilarImage(
                    image_id=i,
                    filename=name,
                    distance=d,
                    thumbnail_url=f"/api/v2/files/{i}/thumbnail",
                )
                for d, i, name in matches
            ],
        )

    def job_status(self, tenant_id: str, job_id: str) -> JobResponse:
        """A job's state; finished jobs carry their results."""
        with self.db.session() as session:
            job = get_job(session=session, tenant_id=tenant_id, job_id=job_id)
            if job is None or job.job_type in _OWN_JOBS:  # a describe-image call's own
                raise NotFound(f"No job {job_id}.")
            if job.job_type == JobType.BATCH and job.session_id:
                upload = get_session(
                    session=session, tenant_id=tenant_id, session_id=job.session_id
                )
                if upload is None:
                    raise NotFound(f"No job {job_id}.")
                images = session_images(session=session, session_id=upload.id)
                return batch_job_view(job, upload, images)
            image = session.get(Image, job.image_id) if job.image_id else None
            return image_job_view(job, image)

    def session_status(self, tenant_id: str, session_id: str) -> SessionStatus:
        """A batch upload's progress and the results so far."""
        with self.db.session() as session:
            upload = get_session(session=session, tenant_id=tenant_id, session_id=session_id)
            if upload is None:
                raise NotFound(f"No session {session_id}.")
            return session_view(upload, session_images(session=session, session_id=session_id))

    def job_and_image(self, job_id: str) -> tuple[Job, Image | None]:
        """A job and its image as they stand (for a request waiting on its own job)."""
        with self.db.session() as session:
            job = session.get(Job, job_id)
            if job is None:
                raise NotFound(f"No job {job_id}.")
            image = session.get(Image, job.image_id) if job.image_id else None
            return job, image


def _closing(reader: ObjectReader) -> Iterator[bytes]:
    """The rest of ``reader``'s chunks; its connection is released however the stream ends
    (also when the client goes away)."""
    try:
        yield from reader.chunks
    finally:
        reader.close()


# A describe-image, search-by-image or face call's own job: not shown at GET /job/{id}.
_OWN_JOBS = frozenset({JobType.DESCRIBE, JobType.SEARCH_IMAGE, JobType.FACES})
