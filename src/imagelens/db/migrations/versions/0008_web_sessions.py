"""web sessions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 22:30:00

The web page's sign-ins: an API key traded for a session token in an HttpOnly cookie (only the
token's hash is stored) and the CSRF token the page sends back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import imagelens.db.tables

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=36), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", imagelens.db.tables.UtcDateTime(), nullable=False),
        sa.Column("expires_at", imagelens.db.tables.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_sessions_key_id", "web_sessions", ["key_id"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_key_id", table_name="web_sessions")
    op.drop_table("web_sessions")
