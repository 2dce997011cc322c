"""operator scope for the server owner's key

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 17:40:00

Before this revision any admin key could mint keys for any tenant. Creating keys across tenants
now needs the `operator` scope, which only the owner's key holds: the oldest admin key of the
default tenant (the bootstrap or generated key) is given it here. Keys of other tenants keep
their scopes; an operator can list and revoke them (`GET /api-keys?tenant=...`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_keys = sa.table(
    "api_keys",
    sa.column("id", sa.String),
    sa.column("tenant_id", sa.String),
    sa.column("scopes", sa.String),
    sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_keys.c.id, _keys.c.scopes)
        .where(_keys.c.tenant_id == "default")
        .order_by(_keys.c.created_at)
    ).all()
    owner = next((row for row in rows if "admin" in row.scopes.split()), None)
    if owner is not None and "operator" not in owner.scopes.split():
        scopes = " ".join(sorted({*owner.scopes.split(), "operator"}))
        connection.execute(sa.update(_keys).where(_keys.c.id == owner.id).values(scopes=scopes))


def downgrade() -> None:
    connection = op.get_bind()
    for row in connection.execute(sa.select(_keys.c.id, _keys.c.scopes)).all():
        scopes = " ".join(s for s in row.scopes.split() if s != "operator")
        connection.execute(sa.update(_keys).where(_keys.c.id == row.id).values(scopes=scopes))
