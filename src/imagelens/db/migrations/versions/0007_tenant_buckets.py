"""tenant buckets

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 20:20:00

Bring your own bucket: a tenant's S3-compatible bucket (secret sealed with the server key),
and on each image which store holds its original (NULL: the server's own).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import imagelens.db.tables

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_buckets",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=63), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("endpoint_url", sa.String(length=500), nullable=False),
        sa.Column("prefix", sa.String(length=200), nullable=False),
        sa.Column("access_key_id", sa.String(length=128), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column("created_at", imagelens.db.tables.UtcDateTime(), nullable=False),
        sa.Column("updated_at", imagelens.db.tables.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.add_column(sa.Column("storage_target", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_column("storage_target")
    op.drop_table("tenant_buckets")
