"""Which store holds an image's bytes: the server's own, or its tenant's bucket.

``target`` is what the image row records: None for the server's store, ``"custom"`` for the
tenant's own S3-compatible bucket (bring your own bucket). Clients for tenants' buckets are
built from the database row (secret opened with the server key) and kept until the row
changes.
"""

from __future__ import annotations

import threading
from datetime import datetime

from imagelens.db import Database
from imagelens.db.buckets import get_bucket
from imagelens.db.tables import TenantBucket
from imagelens.errors import InvalidInput, StorageUnavailable
from imagelens.secretbox import SecretBox
from imagelens.storage.base import ObjectStore

CUSTOM = "custom"


class TenantStores:
    def __init__(self, default: ObjectStore, db: Database, box: SecretBox | None) -> None:
        self.default = default
        self.db = db
        self.box = box
        self._clients: dict[str, tuple[datetime, ObjectStore]] = {}
        self._lock = threading.Lock()

    def get(self, tenant_id: str, target: str | None) -> ObjectStore:
        """The store for ``target``; a tenant without a bucket asking for its own is refused
        (400 when uploading, and an image whose bucket was removed cannot be read)."""
        if target is None:
            return self.default
        if target != CUSTOM:
            raise InvalidInput(f"storage_target must be 'default' or 'custom', not {target!r}.")
        with self.db.session() as session:
            row = get_bucket(session=session, tenant_id=tenant_id)
            if row is None:
                raise InvalidInput(
                    "storage_target='custom' needs this tenant's bucket: configure it with "
                    "POST /api/v2/settings/custom-s3 (client.settings.configure_custom_s3)."
                )
            with self._lock:
                cached = self._clients.get(tenant_id)
                if cached is not None and cached[0] == row.updated_at:
                    return cached[1]
            store = self.connect(row)
        with self._lock:
            self._clients[tenant_id] = (row.updated_at, store)
        return store

    def connect(self, row: TenantBucket) -> ObjectStore:
        """A client for the bucket a row describes (its secret opened with the server key)."""
        if self.box is None:
            raise StorageUnavailable(
                "This server has no IMAGELENS_SECRET_KEY, so tenants' buckets cannot be used.",
                retryable=False,
            )
        from imagelens.storage.s3 import S3Store  # boto3 loads only when S3 is used

        return S3Store.connect(
            bucket=row.bucket,
            prefix=row.prefix,
            endpoint_url=row.endpoint_url or None,
            region=row.region or None,
            credentials={
                "aws_access_key_id": row.access_key_id,
                "aws_secret_access_key": self.box.open(row.sealed_secret),
            },
        )
