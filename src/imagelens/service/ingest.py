"""Taking one image in: validate, dedupe, store, record, enqueue (blocking; call off the loop)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from imagelens.config import Settings
from imagelens.db import Database
from imagelens.db.fulltext import write_search_text
from imagelens.db.images import (
    claimed_image,
    delete_image,
    get_image,
    hash_in_use,
    insert_claimed,
    insert_rows,
)
from imagelens.db.schemas import get_schema
from imagelens.db.tables import Image, Job, utcnow
from imagelens.db.usage import consume, consume_one, limit_for, used
from imagelens.db.webhooks import enqueue_event
from imagelens.engine.analyst import Analyst
from imagelens.engine.describe.searchtext import search_text_of
from imagelens.errors import ImageLensError, InvalidInput, NotFound, QuotaExceeded
from imagelens.intake import DecodedImage, Decoder
from imagelens.intake.body import Body, as_body
from imagelens.jobs import JobQueue
from imagelens.jobs.originals import store_body
from imagelens.people.sync import lock_for_image_delete
from imagelens.service.budget import check_time_budget
from imagelens.storage import ObjectStore, PendingObjects, original_key, thumbnail_key
from imagelens.storage.base import DirectStore
from imagelens.storage.tenants import TenantStores
from imagelens.types import Backend, JobOptions, JobStatus, JobType, RequestedOptions
from imagelens.types.api import QuotaInfo
from imagelens.types.webhooks import event_body

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestRequest:
    tenant_id: str
    # Bytes, or a Body spooled to a file by the route (which removes it afterwards).
    data: bytes | Body
    filename: str
    # As the client asked, or already checked (a batch checks once for all its files).
    options: RequestedOptions | JobOptions = field(default_factory=RequestedOptions)
    skip_duplicates: bool = False
    session_id: str | None = None
    # True: decode now (a corrupt file is refused with 400, and the worker reuses the pixels).
    # False: read only the header now and decode in the worker (fast acceptance for async).
    decode: bool = True
    # None: the server's store; "custom": the tenant's own bucket.
    storage_target: str | None = None
    # The caller waits for the result (synchronous analyze): full CPU priority, own lane.
    waiting: bool = False
    # The bytes already lie in the target store under this key (a direct upload to a
    # bucket): copied there inside the store instead of being sent again.
    source_key: str | None = None


@dataclass(frozen=True)
class Ingested:
    image: Image
    job_id: str | None  # None when skipped as a duplicate
    skipped: bool = False
    deduplicated: bool = False
    object_key: str | None = None  # the key in the tenant's own bucket


@dataclass(frozen=True)
class _Stored:
    """Where one image's bytes are: enough to remove them once no image uses them."""

    tenant_id: str
    key: str
    digest: str
    target: str | None  # None: the server's store; "custom": the tenant's bucket

    @property
    def name(self) -> str:
        """What an upload holds while its bytes are not referenced yet: the server's store
        is shared by every tenant, a tenant's bucket is its own namespace."""
        return self.key if self.target is None else f"{self.target}:{self.tenant_id}:{self.key}"


class Ingestor:
    def __init__(
        self,
        *,
        settings: Settings,
        decoder: Decoder,
        db: Database,
        stores: TenantStores,
        queue: JobQueue,
        analyst: Analyst,
    ) -> None:
        self.settings = settings
        self.decoder = decoder
        self.db = db
        self.stores = stores
        self.queue = queue
        self.analyst = analyst
        self.pending = PendingObjects()

    def resolve_options(
        self, tenant_id: str, requested: RequestedOptions | JobOptions
    ) -> JobOptions:
        """Check the back-end and copy the custom schema into the options, so a job carries
        all it needs (a schema deleted later does not change a queued job)."""
        if isinstance(requested, JobOptions):
            return requested
        backend = self.analyst.check_backend(requested.backend)
        schema: dict[str, Any] | None = None
        hint: str | None = None
        if requested.custom_schema_id:
            if backend is Backend.LOCAL:
                raise InvalidInput("custom_schema_id needs backend 'vlm' or 'hybrid'.")
            with self.db.session() as session:
                row = get_schema(
                    session=session, tenant_id=tenant_id, schema_id=requested.custom_schema_id
                )
                if row is None:
                    raise NotFound(f"No custom extraction schema {requested.custom_schema_id}.")
                schema, hint = row.json_schema, row.prompt_hint
        return JobOptions(
            category=requested.category,
            lang=requested.lang,
            prompt=requested.prompt,
            backend=backend,
            custom_schema=schema,
            custom_hint=hint,
            ocr_languages=requested.ocr_languages,
        )

    def ingest(self, request: IngestRequest) -> Ingested:
        """Decode (refusing bad input with an ImageLensError), then store and enqueue."""
        options = self.resolve_options(request.tenant_id, request.options)
        store = self.stores.get(request.tenant_id, request.storage_target)
        body = as_body(request.data)
        decoded: DecodedImage | None = None
        if request.decode:
            decoded = self.decoder.decode(body)
            check_time_budget(decoded, self.settings.jobs.max_seconds)
            fmt, digest = decoded.format, decoded.content_hash
            width, height = decoded.metadata.width, decoded.metadata.height
        else:
            probed = self.decoder.probe(body)
            fmt, digest, width, height = (
                probed.format,
                probed.content_hash,
                probed.width,
                probed.height,
            )
        key = original_key(digest)
        now = utcnow()
        values: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "tenant_id": request.tenant_id,
            "filename": request.filename[:500],
            "content_hash": digest,
            "perceptual_hash": decoded.perceptual_hash if decoded else None,
            "storage_key": key,
            "storage_target": request.storage_target,
            "format": fmt.value,
            "content_type": fmt.content_type,
            "width": width,
            "height": height,
            "size_bytes": body.size,
            "session_id": request.session_id,
            "status": JobStatus.QUEUED.value,
            "tags_index": "",
            "created_at": now,
            "updated_at": now,
            "result": None,
            "error": None,
            "category": None,
            "description": None,
            "visible_text": None,
        }
        job = job_values(values["id"], request.tenant_id, request.session_id, options)
        # The bytes are stored before the rows that point at them commit (outside the
        # transaction: an fsync under SQLite's write lock would serialise every upload); if
        # the rows then fail (quota, full disk), the bytes go again unless in use.
        stored = _Stored(request.tenant_id, key, digest, request.storage_target)
        with self.pending.hold(stored.name):
            if request.source_key is not None and isinstance(store, DirectStore):
                store.copy(request.source_key, key)
            else:
                store_body(store, key, body)
            try:
                with self.db.session() as session:
                    # The claim is taken by the INSERT itself, so of N concurrent uploads of
                    # the same bytes exactly one is first; a quota refusal rolls it back.
                    first = insert_claimed(session=session, image=values)
                    if not first and request.skip_duplicates:
                        original = claimed_image(
                            session=session, tenant_id=request.tenant_id, content_hash=digest
                        )
                        if original is not None:  # None: the holder was deleted since
                            return Ingested(image=original, job_id=None, skipped=True)
                    self._consume(session, request.tenant_id, 1)
                    insert_rows(session=session, image=None if first else values, job=job)
                    # Found by its filename from now on, by its analysis once that is saved.
                    words = search_text_of(values["filename"], {})
                    write_search_text(session=session, image=Image(**values), words=words)
            except BaseException:
                self._discard_if_unused(store, stored)
                raise
        self.queue.submit(job["id"], decoded, waiting=request.waiting)
        return Ingested(
            image=Image(**values),
            job_id=job["id"],
            deduplicated=not first,
            object_key=store.object_key(key) if request.storage_target else None,
        )

    def delete(self, *, tenant_id: str, image_id: str) -> None:
        """Delete an image and its analysis; its bytes too when no image uses them."""
        with self.db.session() as session:
            # The cascade fires the faces triggers (people, then the tenant's counters): the
            # tenant's face lock first, in the order every change to its faces takes.
            lock_for_image_delete(session, tenant_id=tenant_id, image_id=image_id)
            image = get_image(session=session, tenant_id=tenant_id, image_id=image_id)
            if image is None:
                raise NotFound(f"No image {image_id}.")
            in_use = delete_image(session=session, image=image)
            body = event_body("image.deleted", {"image_id": image_id})
            enqueue_event(  # in the deletion's transaction: told if and only if deleted
                session=session,
                tenant_id=tenant_id,
                event="image.deleted",
                subject_id=image_id,
                body=body,
            )
            stored = _Stored(
                image.tenant_id, image.storage_key, image.content_hash, image.storage_target
            )
        if not in_use:
            try:
                store = self.stores.get(stored.tenant_id, stored.target)
            except ImageLensError:  # the tenant's bucket is gone: nothing to clean up there
                return
            with self.pending.hold(stored.name):
                self._discard_if_unused(store, stored)

    def _discard_if_unused(self, store: ObjectStore, stored: _Stored) -> None:
        """Remove stored bytes (and their thumbnail) that no image points at and no other
        request of this process is about to point at. Call while holding their name."""
        if self.pending.held_by_others(stored.name):
            return
        try:
            with self.db.session() as session:
                if hash_in_use(
                    session=session,
                    content_hash=stored.digest,
                    tenant_id=stored.tenant_id,
                    target=stored.target,
                ):
                    return
            store.delete(stored.key)
            store.delete(thumbnail_key(stored.digest))
        except Exception:  # best effort: a leftover object costs space, never correctness
            log.warning("could not remove unused object", extra={"key": stored.key}, exc_info=True)

    def reanalyze(self, *, tenant_id: str, image_id: str, options: RequestedOptions) -> str:
        """Queue a fresh analysis of a stored image; return the job id."""
        resolved = self.resolve_options(tenant_id, options)
        with self.db.session() as session:
            image = get_image(session=session, tenant_id=tenant_id, image_id=image_id)
            if image is None:
                raise NotFound(f"No image {image_id}.")
            self._consume(session, tenant_id, 1)
            image.status = JobStatus.QUEUED
            job = self._new_job(session, image, resolved)
        self.queue.submit(job)
        return job

    def charge(self, tenant_id: str, n: int = 1) -> None:
        """Count ``n`` analyses that do not go through a job (describe-image)."""
        with self.db.session() as session:
            self._consume(session, tenant_id, n)

    def record_skip(self, image: Image) -> str:
        """A finished job for a duplicate, so an async caller has something to poll."""
        with self.db.session() as session:
            return self._new_job(session, image, JobOptions(), status=JobStatus.COMPLETED)

    def quota(self, tenant_id: str, requested: int = 1) -> QuotaInfo:
        with self.db.session() as session:
            limit = self._limit(session, tenant_id)
            current = used(session=session, tenant_id=tenant_id)
        available = max(0, limit - current) if limit else 2**31 - 1
        ok = requested <= available
        return QuotaInfo(
            can_proceed=ok,
            requested=requested,
            available=available,
            monthly_limit=limit,
            current_usage=current,
            message=None if ok else "The monthly analysis quota is used up.",
            max_batch_size=self.settings.max_batch,
            max_concurrent_uploads=self.settings.jobs.workers,
        )

    def _limit(self, session: Session, tenant_id: str) -> int:
        return limit_for(
            session=session, tenant_id=tenant_id, default=self.settings.quota.monthly_analyses
        )

    def _consume(self, session: Session, tenant_id: str, n: int) -> None:
        if n == 1:  # an upload: one statement; the limit is read again only to refuse
            default = self.settings.quota.monthly_analyses
            if not consume_one(session=session, tenant_id=tenant_id, default=default):
                raise _quota_error(self._limit(session, tenant_id))
            return
        limit = self._limit(session, tenant_id)
        if not consume(session=session, tenant_id=tenant_id, n=n, limit=limit):
            raise _quota_error(limit)

    def _new_job(
        self,
        session: Session,
        image: Image,
        options: JobOptions,
        status: JobStatus = JobStatus.QUEUED,
    ) -> str:
        job = Job(**job_values(image.id, image.tenant_id, image.session_id, options, status))
        session.add(job)
        return job.id


def job_values(
    image_id: str,
    tenant_id: str,
    session_id: str | None,
    options: JobOptions,
    status: JobStatus = JobStatus.QUEUED,
) -> dict[str, Any]:
    """The columns of a new image job."""
    now = utcnow()
    return {
        "id": str(uuid.uuid4()),
        "tenant_id": tenant_id,
        "job_type": JobType.IMAGE,
        "status": status.value,
        "image_id": image_id,
        "session_id": session_id,
        "options": options.model_dump(mode="json"),
        "attempts": 0,
        "error": None,
        "created_at": now,
        "started_at": None,
        "completed_at": now if status.finished else None,
    }


def _quota_error(limit: int) -> QuotaExceeded:
    return QuotaExceeded(
        f"The monthly quota of {limit} analyses is used up; it resets on the 1st (UTC).",
        details={"monthly_limit": limit},
    )
