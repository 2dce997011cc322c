"""Tenants' own buckets (bring your own bucket): one row per tenant at most."""

from __future__ import annotations

from sqlalchemy.orm import Session

from imagelens.db.keys import ensure_tenant
from imagelens.db.tables import TenantBucket, utcnow


def get_bucket(*, session: Session, tenant_id: str) -> TenantBucket | None:
    return session.get(TenantBucket, tenant_id)


def save_bucket(*, session: Session, bucket: TenantBucket) -> TenantBucket:
    """Insert or replace the tenant's bucket."""
    ensure_tenant(session=session, tenant_id=bucket.tenant_id)
    current = session.get(TenantBucket, bucket.tenant_id)
    if current is None:
        session.add(bucket)
        return bucket
    for column in ("bucket", "region", "endpoint_url", "prefix", "access_key_id"):
        setattr(current, column, getattr(bucket, column))
    current.sealed_secret = bucket.sealed_secret
    current.updated_at = utcnow()
    return current


def delete_bucket(*, session: Session, tenant_id: str) -> bool:
    current = session.get(TenantBucket, tenant_id)
    if current is None:
        return False
    session.delete(current)
    return True
