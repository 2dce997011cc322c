"""Tenants and API keys. Keys are shown once and stored as sha256 hashes."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from imagelens.db.tables import ApiKey, Tenant, utcnow
from imagelens.db.websessions import remove_key_sessions

KEY_PREFIX = "il_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def ensure_tenant(*, session: Session, tenant_id: str) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        tenant = Tenant(id=tenant_id)
        session.add(tenant)
        session.flush()
    return tenant


def create_key(
    *,
    session: Session,
    tenant_id: str,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    key: str | None = None,
) -> tuple[ApiKey, str]:
    """Store a key (random unless given) for ``tenant_id``; return the row and the full key."""
    ensure_tenant(session=session, tenant_id=tenant_id)
    full = key or new_key()
    row = ApiKey(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        name=name,
        key_hash=hash_key(full),
        prefix=full[:8],
        scopes=" ".join(sorted(set(scopes))),
        expires_at=expires_at,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row, full


def find_key(*, session: Session, key: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))


def list_keys(*, session: Session, tenant_id: str | None) -> list[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.created_at)
    if tenant_id is not None:
        query = query.where(ApiKey.tenant_id == tenant_id)
    return list(session.scalars(query))


def delete_key(*, session: Session, key_id: str, tenant_id: str | None) -> bool:
    row = session.get(ApiKey, key_id)
    if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
        return False
    remove_key_sessions(session=session, key_id=key_id)  # signs the key's browsers out
    session.delete(row)
    return True


def has_scope_key(*, session: Session, scope: str) -> bool:
    """Whether any key holds ``scope`` (by name: scopes are stored space-separated)."""
    return any(scope in k.scopes.split() for k in session.scalars(select(ApiKey)))


def grant_scopes(*, row: ApiKey, scopes: list[str]) -> None:
    row.scopes = " ".join(sorted(set(row.scopes.split()) | set(scopes)))
