"""Who is calling: a key's tenant and scopes, and what each scope lets it do.

Scopes nest: ``operator`` holds ``admin``, and ``admin`` holds ``read`` and ``write``.
``admin`` manages its own tenant (its keys, its data); ``operator`` is the server owner's
power: keys for other or new tenants, and granting ``operator`` itself. Only the bootstrap
(or first generated) key starts with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from imagelens.db.tables import ApiKey

_IMPLIED: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "write"}),
    "operator": frozenset({"admin", "read", "write"}),
}
OWNER_SCOPES = ["operator", "admin", "read", "write"]


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    tenant_id: str
    scopes: frozenset[str]
    expires_at: datetime | None = None

    def allows(self, scope: str) -> bool:
        """Whether the key holds ``scope``, itself or through a broader scope."""
        return any(scope == held or scope in _IMPLIED.get(held, ()) for held in self.scopes)

    @property
    def is_operator(self) -> bool:
        return "operator" in self.scopes

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= datetime.now(UTC)


def principal_of(row: ApiKey) -> Principal:
    """Who a stored key speaks for (expired keys included; the caller checks)."""
    return Principal(row.id, row.tenant_id, frozenset(row.scopes.split()), row.expires_at)
