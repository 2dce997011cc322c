"""Which store holds an image's bytes: the server's own, or its tenant's bucket.

``target`` is what the image row records: None for the server's store, ``"custom"`` for the
tenant's own S3-compatible bucket (bring your own bucket). Clients for tenants' buckets are
built from the database row (secret opened with the server key) and kept until the row
changes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from imagelens.db import Database
from imagelens.db.buckets import get_bucket
from imagelens.db.tables import TenantBucket
from imagelens.errors import ImageLensError, InvalidInput, StorageUnavailable
from imagelens.secretbox import SecretBox
from imagelens.storage.base import ObjectStore

CUSTOM = "custom"


class TenantStores:
    def __init__(
        self,
        default: ObjectStore,
        db: Database,
        box: SecretBox | None,
        check_endpoint: Callable[[str], str] = lambda url: url,
        max_age: float = 300.0,
    ) -> None:
        """``check_endpoint`` raises for an endpoint this server may not connect to and
        returns the normalised URL the client is built with (never the stored string as
        such); it runs each time a tenant's client is built, and clients are rebuilt after
        ``max_age`` seconds, so a name re-pointed at a private address is refused within
        that time."""
        self.default = default
        self.db = db
        self.box = box
        self.check_endpoint = check_endpoint
        self.max_age = max_age
        self._clients: dict[str, tuple[datetime, float, ObjectStore]] = {}
        self._lock = threading.Lock()

    def get(self, tenant_id: str, target: str | None) -> ObjectStore:
        """The store to write ``target``'s objects to; a tenant without a bucket asking for
        its own is refused (400: configure it first)."""
        return self._store(tenant_id, target, reading=False)

    def for_reading(self, tenant_id: str, target: str | None) -> ObjectStore:
        """The store holding an image's objects; when its tenant's bucket was removed, 503
        ``storage_unavailable`` (the objects may still be there; configuring the bucket
        again brings them back)."""
        return self._store(tenant_id, target, reading=True)

    def _store(self, tenant_id: str, target: str | None, *, reading: bool) -> ObjectStore:
        if target is None:
            return self.default
        if target != CUSTOM:
            raise InvalidInput(f"storage_target must be 'default' or 'custom', not {target!r}.")
        with self.db.session() as session:
            row = get_bucket(session=session, tenant_id=tenant_id)
            if row is None and reading:
                raise StorageUnavailable(
                    "This image is in the tenant's own bucket, which is no longer configured; "
                    "configure it again with PUT /api/v2/settings/custom-s3 to read it.",
                    retryable=False,
                )
            if row is None:
                raise InvalidInput(
                    "storage_target='custom' needs this tenant's bucket: configure it with "
                    "PUT /api/v2/settings/custom-s3 (client.settings.configure_custom_s3)."
                )
            with self._lock:
                cached = self._clients.get(tenant_id)
                fresh = cached is not None and time.monotonic() - cached[1] < self.max_age
                if cached is not None and fresh and cached[0] == row.updated_at:
                    return cached[2]
            store = self.connect(row)
        with self._lock:
            self._clients[tenant_id] = (row.updated_at, time.monotonic(), store)
        return store

    def connect(self, row: TenantBucket) -> ObjectStore:
        """A client for the bucket a row describes (its secret opened with the server key)."""
        if self.box is None:
            raise StorageUnavailable(
                "This server has no IMAGELENS_SECRET_KEY, so tenants' buckets cannot be used.",
                retryable=False,
            )
        from imagelens.storage.s3 import S3Store  # boto3 loads only when S3 is used

        endpoint = None
        if row.endpoint_url:
            try:
                endpoint = self.check_endpoint(row.endpoint_url)
            except ImageLensError as exc:
                raise StorageUnavailable(
                    f"The bucket {row.bucket}'s endpoint is refused: {exc.message}",
                    retryable=False,
                ) from None

        return S3Store.connect(
            bucket=row.bucket,
            prefix=row.prefix,
            endpoint_url=endpoint,
            region=row.region or None,
            credentials={
                "aws_access_key_id": row.access_key_id,
                "aws_secret_access_key": self.box.open(row.sealed_secret),
            },
        )
