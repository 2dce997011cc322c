"""one dedupe claim per tenant and content hash

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 18:10:00

`images.dedupe_hash` is set on exactly one image per (tenant, content hash): the one a
`skip_duplicates` upload is skipped in favour of. The unique index makes "is it new?" and
"store it" one atomic INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike, so
concurrent uploads of the same bytes can no longer all see "new".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_hash", sa.String(length=64), nullable=True))
    # The oldest image of each (tenant, hash) holds the claim, as the old lookup chose it.
    op.execute(
        """
        UPDATE images SET dedupe_hash = content_hash WHERE id IN (
            SELECT id FROM (
                SELECT id, ROW_NUMBER() OVER (
                    PARTITION BY tenant_id, content_hash ORDER BY created_at, id
                ) AS n
                FROM images
            ) ranked WHERE n = 1
        )
        """
    )
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.create_index("ux_images_tenant_dedupe", ["tenant_id", "dedupe_hash"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_index("ux_images_tenant_dedupe")
        batch_op.drop_column("dedupe_hash")
