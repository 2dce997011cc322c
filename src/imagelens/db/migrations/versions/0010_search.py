"""search: full-text rows and vectors per image

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 20:40:00

Search by meaning (issue 19). ``image_search`` holds the text an image is found by;
SQLite indexes it with an FTS5 table over it (external content, kept in step by triggers),
PostgreSQL with a weighted tsvector column in the image's language (kept in step by a
trigger) and a GIN index. ``image_vectors`` holds each image's embeddings.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The analysis languages PostgreSQL has a stemmer for; the others are indexed as 'simple'.
_PG_CONFIGS = {
    "en": "english",
    "de": "german",
    "es": "spanish",
    "fr": "french",
    "fi": "finnish",
    "nl": "dutch",
    "pt": "portuguese",
    "tr": "turkish",
    "ru": "russian",
}

_SQLITE_FTS = [
    # unicode61 folds case and (remove_diacritics 2) accents for every script; porter stems
    # English on top. Columns: filename, description, tags, visible_text, extra.
    """CREATE VIRTUAL TABLE image_search_fts USING fts5(
        filename, description, tags, visible_text, extra,
        content='image_search', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER image_search_ai AFTER INSERT ON image_search BEGIN
        INSERT INTO image_search_fts(rowid, filename, description, tags, visible_text, extra)
        VALUES (new.id, new.filename, new.description, new.tags, new.visible_text, new.extra);
    END""",
    """CREATE TRIGGER image_search_ad AFTER DELETE ON image_search BEGIN
        INSERT INTO image_search_fts(image_search_fts, rowid, filename, description, tags,
                                     visible_text, extra)
        VALUES ('delete', old.id, old.filename, old.description, old.tags, old.visible_text,
                old.extra);
    END""",
    """CREATE TRIGGER image_search_au AFTER UPDATE ON image_search BEGIN
        INSERT INTO image_search_fts(image_search_fts, rowid, filename, description, tags,
                                     visible_text, extra)
        VALUES ('delete', old.id, old.filename, old.description, old.tags, old.visible_text,
                old.extra);
        INSERT INTO image_search_fts(rowid, filename, description, tags, visible_text, extra)
        VALUES (new.id, new.filename, new.description, new.tags, new.visible_text, new.extra);
    END""",
]


def _pg_config_case() -> str:
    whens = " ".join(f"WHEN '{code}' THEN '{name}'" for code, name in _PG_CONFIGS.items())
    return f"CASE NEW.lang {whens} ELSE 'simple' END::regconfig"


def _pg_statements() -> list[str]:
    return [
        "ALTER TABLE image_search ADD COLUMN document tsvector",
        "CREATE INDEX ix_image_search_document ON image_search USING GIN (document)",
        f"""CREATE FUNCTION image_search_document() RETURNS trigger AS $$
        DECLARE cfg regconfig := {_pg_config_case()};
        BEGIN
            NEW.document :=
                setweight(to_tsvector(cfg, coalesce(NEW.description, '')), 'A') ||
                setweight(to_tsvector('simple', coalesce(NEW.description, '')), 'A') ||
                setweight(to_tsvector('simple', coalesce(NEW.tags, '')), 'A') ||
                setweight(to_tsvector('simple', coalesce(NEW.filename, '')), 'B') ||
                setweight(to_tsvector(cfg, coalesce(NEW.visible_text, '')), 'C') ||
                setweight(to_tsvector('simple', coalesce(NEW.visible_text, '')), 'C') ||
                setweight(to_tsvector('simple', coalesce(NEW.extra, '')), 'D');
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER image_search_document BEFORE INSERT OR UPDATE ON image_search
        FOR EACH ROW EXECUTE FUNCTION image_search_document()""",
    ]


def upgrade() -> None:
    op.create_table(
        "image_search",
        # SQLite's rowid itself (FTS5 points at it): a plain rowid may be renumbered by VACUUM.
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("visible_text", sa.Text(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("image_id", name="uq_image_search_image_id"),
    )
    op.create_index("ix_image_search_tenant_id", "image_search", ["tenant_id"])
    op.create_table(
        "image_vectors",
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("image_id", "kind"),
    )
    op.create_index(
        "ix_image_vectors_tenant_kind", "image_vectors", ["tenant_id", "kind", "updated_at"]
    )
    statements = _SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else _pg_statements()
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS image_search_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS image_search_document ON image_search")
        op.execute("DROP FUNCTION IF EXISTS image_search_document()")
    op.drop_index("ix_image_vectors_tenant_kind", table_name="image_vectors")
    op.drop_table("image_vectors")
    op.drop_index("ix_image_search_tenant_id", table_name="image_search")
    op.drop_table("image_search")
