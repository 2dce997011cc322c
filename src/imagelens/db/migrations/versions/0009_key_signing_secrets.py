"""key signing secrets

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 22:40:00

Signed requests: an API key may carry a request-signing secret, sealed with the server key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_secret", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("sealed_secret")
