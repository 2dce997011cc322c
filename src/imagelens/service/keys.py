"""API key management under the scope rules of :mod:`imagelens.service.auth` (blocking).

A tenant admin creates, lists and revokes keys of its own tenant only; keys for another (or a
new) tenant, listing or revoking across tenants, and granting ``operator`` need ``operator``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from imagelens.db import Database
from imagelens.db.keys import create_key, delete_key, find_key, hash_key, list_keys
from imagelens.db.tables import ApiKey
from imagelens.errors import Forbidden, InvalidInput, NotFound
from imagelens.service.auth import Principal, principal_of
from imagelens.service.signing import RequestSigning
from imagelens.types.api import ApiKeyCreate, ApiKeyCreated, ApiKeyInfo, ApiKeyList

__all__ = [
    "create_api_key",
    "find_principal",
    "hash_key",
    "list_api_keys",
    "revoke_api_key",
]


def _info(row: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=row.scopes.split(),
        tenant=row.tenant_id,
        expires_at=row.expires_at,
        created_at=row.created_at,
        signing=row.sealed_secret is not None,
    )


def _target_tenant(caller: Principal, tenant: str | None, action: str) -> str:
    target = tenant or caller.tenant_id
    if target != caller.tenant_id and not caller.is_operator:
        raise Forbidden(
            f"{action} for another tenant needs the 'operator' scope; this key manages "
            f"tenant {caller.tenant_id!r} only."
        )
    return target


def find_principal(db: Database, key: str) -> Principal | None:
    """Who holds ``key`` (expired keys included; the caller checks), or None."""
    with db.session() as session:
        row = find_key(session=session, key=key)
        if row is None:
            return None
        return principal_of(row)


def create_api_key(
    db: Database, caller: Principal, body: ApiKeyCreate, signing: RequestSigning
) -> ApiKeyCreated:
    """A new key for the caller's tenant (or, for an operator, any tenant), with a signing
    secret if asked; both shown once."""
    tenant = _target_tenant(caller, body.tenant, "Creating keys")
    if "operator" in body.scopes and not caller.is_operator:
        raise Forbidden("Only a key with the 'operator' scope can grant 'operator'.")
    expires_at = body.expires_at
    if expires_at is not None:
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        if expires_at <= datetime.now(UTC):
            raise InvalidInput(
                f"expires_at {expires_at.isoformat()} is already past; give a future time "
                "or leave it out for a key that does not expire.",
                details={"expires_at": expires_at.isoformat()},
            )
    with db.session() as session:
        row, key = create_key(
            session=session,
            tenant_id=tenant,
            name=body.name,
            scopes=list(body.scopes),
            expires_at=expires_at,
        )
        secret = None
        if body.signing:
            secret, row.sealed_secret = signing.new_secret(row.id)
        return ApiKeyCreated(**_info(row).model_dump(), key=key, secret=secret)


def list_api_keys(db: Database, caller: Principal, tenant: str | None = None) -> ApiKeyList:
    """The keys of the caller's tenant, or of ``tenant`` for an operator (never the key)."""
    target = _target_tenant(caller, tenant, "Listing keys")
    with db.session() as session:
        return ApiKeyList(items=[_info(r) for r in list_keys(session=session, tenant_id=target)])


def revoke_api_key(db: Database, caller: Principal, key_id: str) -> None:
    """Delete a key of the caller's tenant (an operator's: of any tenant)."""
    scope = None if caller.is_operator else caller.tenant_id
    with db.session() as session:
        if not delete_key(session=session, key_id=key_id, tenant_id=scope):
            raise NotFound(f"No API key {key_id}.")
