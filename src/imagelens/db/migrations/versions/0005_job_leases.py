"""job leases

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 18:40:00

A claimed job records who holds it and until when; sweepers take back only jobs whose lease
ran out, so a process that starts never takes a job another live worker holds.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import imagelens.db.tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column("lease_expires_at", imagelens.db.tables.UtcDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_owner")
