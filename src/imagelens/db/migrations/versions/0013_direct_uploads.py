"""direct uploads

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 00:00:00

Issue 22, part 1: an upload whose bytes go straight to the store (presigned S3 URLs, or this
server's signed part URLs with local storage) is kept here between its creation and its
completion; expired rows are swept with their bytes. Named apart from the webhooks migration
written in parallel: re-chain ``down_revision`` after it when both are merged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import imagelens.db.tables

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "direct_uploads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("storage_target", sa.String(length=16), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("part_size", sa.BigInteger(), nullable=False),
        sa.Column("part_count", sa.Integer(), nullable=False),
        sa.Column("store_key", sa.String(length=200), nullable=False),
        sa.Column("multipart_id", sa.String(length=1024), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", imagelens.db.tables.UtcDateTime(), nullable=False),
        sa.Column("expires_at", imagelens.db.tables.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_direct_uploads_tenant_id", "direct_uploads", ["tenant_id"])
    op.create_index("ix_direct_uploads_expires_at", "direct_uploads", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_direct_uploads_expires_at", table_name="direct_uploads")
    op.drop_index("ix_direct_uploads_tenant_id", table_name="direct_uploads")
    op.drop_table("direct_uploads")
