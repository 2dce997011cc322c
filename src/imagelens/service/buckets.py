"""Bring your own bucket: a tenant admin stores, reads and removes the tenant's S3 bucket.

The bucket is checked when configured (a test object written, read back and removed with
the given credentials); the secret is sealed with the server key and never shown again.
Blocking; call off the event loop (the endpoint's address is checked by the route first).
Only the normalised endpoint URL is stored, the one form every HTTP client reads alike.
"""

from __future__ import annotations

import uuid

from imagelens.db import Database
from imagelens.db.buckets import delete_bucket, get_bucket, save_bucket
from imagelens.db.tables import TenantBucket, utcnow
from imagelens.errors import ImageLensError, InvalidInput, NotConfigured, NotFound
from imagelens.intake.urls import check_url_syntax
from imagelens.storage.tenants import TenantStores
from imagelens.types.api import CustomS3Config, CustomStorage


class BucketSettings:
    def __init__(self, *, db: Database, stores: TenantStores) -> None:
        self.db = db
        self.stores = stores

    def configure(self, tenant_id: str, config: CustomS3Config) -> CustomStorage:
        """Check the bucket with a test write, then store it as the tenant's (replacing any)."""
        if self.stores.box is None:
            raise NotConfigured(
                "Custom buckets need IMAGELENS_SECRET_KEY set on the server (it encrypts the "
                "stored credentials); ask the operator."
            )
        now = utcnow()
        row = TenantBucket(
            tenant_id=tenant_id,
            bucket=config.bucket_name,
            region=config.region,
            endpoint_url=(
                check_url_syntax(config.endpoint_url, endpoint=True).url
                if config.endpoint_url
                else ""
            ),
            prefix=config.prefix.strip("/"),
            access_key_id=config.access_key_id,
            sealed_secret=self.stores.box.seal(config.secret_access_key.get_secret_value()),
            created_at=now,
            updated_at=now,
        )
        _test_write(self.stores, row)
        with self.db.session() as session:
            return _view(save_bucket(session=session, bucket=row))

    def get(self, tenant_id: str) -> CustomStorage:
        with self.db.session() as session:
            row = get_bucket(session=session, tenant_id=tenant_id)
            if row is None:
                raise NotFound("This tenant has no custom bucket configured.")
            return _view(row)

    def remove(self, tenant_id: str) -> None:
        """Forget the bucket; images stored there read as unavailable until it is configured
        again (their keys are content addresses, so the same bucket brings them back)."""
        with self.db.session() as session:
            if not delete_bucket(session=session, tenant_id=tenant_id):
                raise NotFound("This tenant has no custom bucket configured.")


_CHECK = b"imagelens bucket check"


def _test_write(stores: TenantStores, row: TenantBucket) -> None:
    store = stores.connect(row)
    key = f"imagelens-check/{uuid.uuid4()}"
    try:
        store.put(key, _CHECK)
        if store.get(key, max_bytes=len(_CHECK)) != _CHECK:
            raise InvalidInput(f"The bucket {row.bucket} did not return the test object intact.")
        store.delete(key)
    except InvalidInput:
        raise
    except ImageLensError as exc:
        raise InvalidInput(
            f"The bucket {row.bucket} failed a test write with these credentials: {exc.message}",
            details={"bucket_name": row.bucket},
        ) from None


def _view(row: TenantBucket) -> CustomStorage:
    return CustomStorage(
        bucket_name=row.bucket,
        region=row.region,
        endpoint_url=row.endpoint_url,
        prefix=row.prefix,
        access_key_id=row.access_key_id[:4] + "****",
        configured_at=row.created_at,
        updated_at=row.updated_at,
    )
