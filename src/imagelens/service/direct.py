"""Direct uploads: big files sent straight to storage, never through this process's memory.

    create    a row in ``direct_uploads`` and where to send the bytes: presigned S3 URLs
              (the server's bucket or the tenant's own), or this server's signed part URLs
              (local storage: each part streamed to a file under DATA_DIR/direct)
    complete  the parts joined, size and sha256 checked, then the same ingest as
              /files/upload (type sniffed from the stored bytes, per-type limits, dedupe,
              quota); the staging bytes go whatever the outcome
    abort     the staging bytes and the row go
    sweep     uploads past their expiry go the same way (each API process, periodically)

A completion that fails (wrong size, wrong type, too large, quota) discards the upload: the
client starts again. Blocking; call off the event loop.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from imagelens.config import Settings
from imagelens.db import Database
from imagelens.db.tables import DirectUpload, utcnow
from imagelens.errors import ImageTooLarge, InvalidInput, InvalidSignature, NotFound
from imagelens.service.directparts import UploadRow, gather, part_message, part_path
from imagelens.service.ingest import Ingested, Ingestor, IngestRequest
from imagelens.signature import sign
from imagelens.storage.base import DirectStore, direct_key
from imagelens.storage.localparts import LocalParts, PartWriter
from imagelens.storage.tenants import TenantStores
from imagelens.types import RequestedOptions

log = logging.getLogger(__name__)

MAX_PARTS = 10_000  # S3's limit, kept for local uploads too
_SLACK = timedelta(minutes=10)  # a completion's lease past the expiry (reading, ingesting)


@dataclass(frozen=True)
class NewUpload:
    """What the client needs: ``urls`` are absolute (S3) or paths of this server (local)."""

    upload_id: str
    method: str
    urls: list[str]
    part_size: int
    expires_at: datetime


@dataclass(frozen=True)
class Completed:
    ingested: Ingested
    object_key: str  # the original's name in its store


class DirectUploads:
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        stores: TenantStores,
        ingestor: Ingestor,
        parts: LocalParts,
    ) -> None:
        self.settings = settings
        self.db = db
        self.stores = stores
        self.ingestor = ingestor
        self.parts = parts

    def create(
        self,
        *,
        tenant_id: str,
        filename: str,
        size: int,
        sha256: str | None,
        options: RequestedOptions,
        skip_duplicates: bool,
        storage_target: str | None,
    ) -> NewUpload:
        """Record the upload and sign where its bytes go."""
        limit = self.settings.limits.max_file_bytes
        if size > limit:
            raise ImageTooLarge(
                f"The file is {size / 2**20:.1f} MB, over the limit of {limit / 2**20:.1f} MB.",
                details={"size_bytes": size, "max_bytes": limit},
            )
        self.ingestor.resolve_options(tenant_id, options)  # a bad backend/schema: refused now
        conf = self.settings.uploads
        multipart = size > conf.multipart_threshold
        part_size = max(conf.part_size, math.ceil(size / MAX_PARTS)) if multipart else size
        count = math.ceil(size / part_size)
        upload_id = str(uuid.uuid4())
        expires = utcnow().replace(microsecond=0) + timedelta(seconds=conf.expiry_seconds)
        store = self.stores.get(tenant_id, storage_target)
        key = direct_key(upload_id)
        multipart_id: str | None = None
        token = secrets.token_hex(32)
        if isinstance(store, DirectStore):
            if multipart:
                multipart_id = store.start_multipart(key)
                urls = [
                    store.presign_part(key, multipart_id, n, conf.expiry_seconds)
                    for n in range(1, count + 1)
                ]
            else:
                urls = [store.presign_put(key, conf.expiry_seconds)]
        else:
            urls = [part_path(upload_id, n, expires, token) for n in range(1, count + 1)]
        with self.db.session() as session:
            session.add(
                DirectUpload(
                    id=upload_id,
                    tenant_id=tenant_id,
                    filename=filename[:500],
                    size=size,
                    sha256=sha256.lower() if sha256 else None,
                    options={
                        "options": options.model_dump(mode="json"),
                        "skip_duplicates": skip_duplicates,
                    },
                    storage_target=storage_target,
                    method="multipart" if multipart else "put",
                    via="s3" if isinstance(store, DirectStore) else "local",
                    part_size=part_size,
                    part_count=count,
                    store_key=key,
                    multipart_id=multipart_id,
                    token=token,
                    status="pending",
                    expires_at=expires,
                )
            )
        method = "multipart" if multipart else "put"
        return NewUpload(upload_id, method, urls, part_size, expires)

    # --- local part URLs ------------------------------------------------------------------

    def open_part(
        self, *, upload_id: str, part_number: int, expires: str, signature: str
    ) -> PartWriter:
        """A writer for a part sent to a signed URL; InvalidSignature (401) when the URL is
        expired, tampered with or not one of ours."""
        with self.db.session() as session:
            row = session.get(DirectUpload, upload_id)
            found = None if row is None else (row.token, row.status, row.part_count, row.expires_at)
            part_size, size = (row.part_size, row.size) if row is not None else (0, 0)
        token = found[0] if found else secrets.token_hex(32)
        expected = sign(token, part_message(upload_id, part_number, expires))
        if found is None or not hmac.compare_digest(expected.encode(), signature.lower().encode()):
            raise InvalidSignature("This upload URL is not valid: use the URLs it was given.")
        _, status, count, deadline = found
        now = utcnow()
        if not expires.isdigit() or int(expires) < now.timestamp() or deadline <= now:
            raise InvalidSignature("This upload URL has expired; start a new upload.")
        if status != "pending" or not 1 <= part_number <= count:
            raise InvalidSignature("This upload is no longer taking parts.")
        offset = (part_number - 1) * part_size
        return self.parts.open_part(upload_id, part_number, offset, min(part_size, size - offset))

    # --- complete, abort, sweep ------------------------------------------------------------

    def complete(
        self,
        *,
        tenant_id: str,
        upload_id: str,
        parts: list[tuple[int, str]] | None,
        waiting: bool,
    ) -> Completed:
        """Check what arrived and take it in like /files/upload; the upload goes either way."""
        row = self._claim(tenant_id, upload_id)
        try:
            store = self.stores.get(row.tenant_id, row.storage_target)
            spool, limit = self.settings.spool_dir, self.settings.limits.max_file_bytes
            with gather(row, parts, store, self.parts, spool=spool, limit=limit) as body:
                if body.size != row.size:
                    raise InvalidInput(
                        f"The upload has {body.size} bytes; {row.size} were announced.",
                        details={"size_bytes": body.size, "announced": row.size},
                    )
                if row.sha256 and body.sha256 != row.sha256:
                    raise InvalidInput(
                        "The uploaded bytes do not match the announced sha256.",
                        details={"sha256": body.sha256},
                    )
                opts = row.options
                ingested = self.ingestor.ingest(
                    IngestRequest(
                        tenant_id=row.tenant_id,
                        data=body,
                        filename=row.filename,
                        options=RequestedOptions.model_validate(opts["options"]),
                        skip_duplicates=bool(opts["skip_duplicates"]),
                        storage_target=row.storage_target,
                        waiting=waiting,
                        # Like analyze vs analyze/async: a caller that waits has a corrupt
                        # file refused now; one that does not gets the header checks (type,
                        # size, pixels, duration) and the worker decodes.
                        decode=waiting,
                        source_key=row.store_key if row.via == "s3" else None,
                    )
                )
        finally:
            self._discard(row)
        return Completed(ingested, store.object_key(ingested.image.storage_key))

    def abort(self, *, tenant_id: str, upload_id: str) -> None:
        with self.db.session() as session:
            row = session.get(DirectUpload, upload_id)
            if row is None or row.tenant_id != tenant_id:
                raise NotFound(f"No upload {upload_id}.")
            found = UploadRow.of(row)
        self._discard(found)

    def sweep(self, now: datetime | None = None, limit: int = 100) -> int:
        """Remove uploads past their expiry (never completed, or left half-discarded)."""
        now = now or utcnow()
        with self.db.session() as session:
            rows = session.scalars(
                select(DirectUpload).where(DirectUpload.expires_at < now).limit(limit)
            ).all()
            expired = [UploadRow.of(row) for row in rows]
        for row in expired:
            self._discard(row)
        return len(expired)

    def _claim(self, tenant_id: str, upload_id: str) -> UploadRow:
        """Take the upload for this completion (a second one concurrently: 404)."""
        now = utcnow()
        with self.db.session() as session:
            claimed = session.execute(
                update(DirectUpload)
                .where(
                    DirectUpload.id == upload_id,
                    DirectUpload.tenant_id == tenant_id,
                    DirectUpload.status == "pending",
                    DirectUpload.expires_at > now,
                )
                .values(status="completing", expires_at=now + _SLACK)
            )
            won = claimed.rowcount == 1  # type: ignore[attr-defined]
            row = session.get(DirectUpload, upload_id) if won else None
            if row is None:
                raise NotFound(f"No upload {upload_id} waiting to be completed (or it expired).")
            return UploadRow.of(row)

    def _discard(self, row: UploadRow) -> None:
        """Remove the staging bytes and the row; if the store fails, the row stays (expired)
        so a later sweep tries again."""
        try:
            if row.via == "s3":
                store = self.stores.get(row.tenant_id, row.storage_target)
                assert isinstance(store, DirectStore)
                if row.multipart_id is not None:
                    store.abort_multipart(row.store_key, row.multipart_id)
                store.delete(row.store_key)
            else:
                self.parts.discard(row.id)
        except Exception:
            log.warning("could not remove a direct upload", extra={"upload": row.id}, exc_info=True)
            with self.db.session() as session:
                session.execute(
                    update(DirectUpload)
                    .where(DirectUpload.id == row.id)
                    .values(status="discarding", expires_at=utcnow())
                )
            return
        with self.db.session() as session:
            found = session.get(DirectUpload, row.id)
            if found is not None:
                session.delete(found)


def local_root(settings: Settings) -> Path:
    """Where parts sent to this server are kept until completed."""
    return settings.data_dir / "direct"
