"""job results

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 19:50:00

A describe-image call runs as a job (so API processes hold no models); the markdown a worker
writes has no image row to live on, so jobs get a result column of their own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("result")
