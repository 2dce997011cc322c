"""Taking one image in: validate, dedupe, store, record, enqueue (blocking; call off the loop)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from imagelens.config import Settings
from imagelens.db import Database
from imagelens.db.images import get_image, hash_match, insert_rows
from imagelens.db.schemas import get_schema
from imagelens.db.tables import Image, Job, utcnow
from imagelens.db.usage import consume, limit_for, used
from imagelens.engine.analyst import Analyst
from imagelens.errors import InvalidInput, NotFound, QuotaExceeded
from imagelens.intake import DecodedImage, Decoder
from imagelens.jobs import JobQueue
from imagelens.storage import ObjectStore, original_key
from imagelens.types.api import QuotaInfo


@dataclass(frozen=True)
class IngestRequest:
    tenant_id: str
    data: bytes
    filename: str
    options: dict[str, Any] = field(default_factory=dict)  # category, lang, prompt, backend
    skip_duplicates: bool = False
    session_id: str | None = None
    # True: decode now (a corrupt file is refused with 400, and the worker reuses the pixels).
    # False: read only the header now and decode in the worker (fast acceptance for async).
    decode: bool = True


@dataclass(frozen=True)
class Ingested:
    image: Image
    job_id: str | None  # None when skipped as a duplicate
    skipped: bool = False
    deduplicated: bool = False


class Ingestor:
    def __init__(
        self,
        *,
        settings: Settings,
        decoder: Decoder,
        db: Database,
        store: ObjectStore,
        queue: JobQueue,
        analyst: Analyst,
    ) -> None:
        self.settings = settings
        self.decoder = decoder
        self.db = db
        self.store = store
        self.queue = queue
        self.analyst = analyst

    def resolve_options(self, tenant_id: str, raw: dict[str, Any]) -> dict[str, Any]:
        """Check the back-end and copy the custom schema into the options, so a job carries
        all it needs (a schema deleted later does not change a queued job)."""
        if raw.get("resolved"):
            return raw
        options = {k: v for k, v in raw.items() if k != "custom_schema_id"}
        options["backend"] = self.analyst.check_backend(raw.get("backend"))
        schema_id = raw.get("custom_schema_id")
        if schema_id:
            if options["backend"] == "local":
                raise InvalidInput("custom_schema_id needs backend 'vlm' or 'hybrid'.")
            with self.db.session() as session:
                row = get_schema(session=session, tenant_id=tenant_id, schema_id=schema_id)
                if row is None:
                    raise NotFound(f"No custom extraction schema {schema_id}.")
                options["custom_schema"] = row.json_schema
                options["custom_hint"] = row.prompt_hint
        options["resolved"] = True
        return options

    def ingest(self, request: IngestRequest) -> Ingested:
        """Decode (refusing bad input with an ImageLensError), then store and enqueue."""
        options = self.resolve_options(request.tenant_id, request.options)
        decoded: DecodedImage | None = None
        if request.decode:
            decoded = self.decoder.decode(request.data)
            fmt, digest = decoded.format, decoded.content_hash
            width, height = decoded.metadata.width, decoded.metadata.height
        else:
            probed = self.decoder.probe(request.data)
            fmt, digest, width, height = (
                probed.format,
                probed.content_hash,
                probed.width,
                probed.height,
            )
        # The bytes are stored before the rows that point at them commit. If the quota then
        # refuses, the stored bytes stay (content-addressed: a later upload reuses them).
        self.store.put(original_key(digest), request.data)
        now = utcnow()
        values: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "tenant_id": request.tenant_id,
            "filename": request.filename[:500],
            "content_hash": digest,
            "perceptual_hash": decoded.perceptual_hash if decoded else None,
            "storage_key": original_key(digest),
            "format": fmt.value,
            "content_type": fmt.content_type,
            "width": width,
            "height": height,
            "size_bytes": len(request.data),
            "session_id": request.session_id,
            "status": "queued",
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
        with self.db.session() as session:
            existing = hash_match(session=session, tenant_id=request.tenant_id, content_hash=digest)
            if existing is not None and request.skip_duplicates:
                original = session.get(Image, existing)
                assert original is not None
                return Ingested(image=original, job_id=None, skipped=True)
            self._consume(session, request.tenant_id, 1)
            insert_rows(session=session, image=values, job=job)
        self.queue.submit(job["id"], decoded)
        return Ingested(image=Image(**values), job_id=job["id"], deduplicated=existing is not None)

    def reanalyze(self, *, tenant_id: str, image_id: str, options: dict[str, Any]) -> str:
        """Queue a fresh analysis of a stored image; return the job id."""
        options = self.resolve_options(tenant_id, options)
        with self.db.session() as session:
            image = get_image(session=session, tenant_id=tenant_id, image_id=image_id)
            if image is None:
                raise NotFound(f"No image {image_id}.")
            self._consume(session, tenant_id, 1)
            image.status = "queued"
            job = self._new_job(session, image, options)
        self.queue.submit(job)
        return job

    def charge(self, tenant_id: str, n: int = 1) -> None:
        """Count ``n`` analyses that do not go through a job (describe-image)."""
        with self.db.session() as session:
            self._consume(session, tenant_id, n)

    def record_skip(self, image: Image) -> str:
        """A finished job for a duplicate, so an async caller has something to poll."""
        with self.db.session() as session:
            return self._new_job(session, image, {"skipped": True}, status="completed")

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
        limit = self._limit(session, tenant_id)
        if not consume(session=session, tenant_id=tenant_id, n=n, limit=limit):
            raise _quota_error(limit)

    def _new_job(
        self, session: Session, image: Image, options: dict[str, Any], status: str = "queued"
    ) -> str:
        job = Job(**job_values(image.id, image.tenant_id, image.session_id, options, status))
        session.add(job)
        return job.id


def job_values(
    image_id: str,
    tenant_id: str,
    session_id: str | None,
    options: dict[str, Any],
    status: str = "queued",
) -> dict[str, Any]:
    """The columns of a new image job."""
    now = utcnow()
    return {
        "id": str(uuid.uuid4()),
        "tenant_id": tenant_id,
        "job_type": "image",
        "status": status,
        "image_id": image_id,
        "session_id": session_id,
        "options": options,
        "attempts": 0,
        "error": None,
        "created_at": now,
        "started_at": None,
        "completed_at": now if status == "completed" else None,
    }


def _quota_error(limit: int) -> QuotaExceeded:
    return QuotaExceeded(
        f"The monthly quota of {limit} analyses is used up; it resets on the 1st (UTC).",
        details={"monthly_limit": limit},
    )
