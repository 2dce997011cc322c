"""people: faces, people, and the tenant's consent

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 10:00:00

Face recognition (issue 20). ``faces`` holds each face found on an image with its dlib
descriptor; ``people`` the clusters they form. Triggers on ``faces`` keep each person's
``face_count`` and cover face (the most confident x largest face on a still picture: page
NULL or 1 and no frame time, the picture a cover crop decodes; none if the person has no such
face) and delete a person whose
last face went, whichever way faces go: a re-analysis, a merge, a person's or an image's
deletion (``ON DELETE CASCADE`` fires them too, on SQLite and PostgreSQL alike). They also
count each tenant's faces added and removed, the face index's signature, and log each removed
face's id under its removal number in ``face_removals`` (the last ``_KEPT`` per tenant), so a
process's face index learns which faces went by reading the few removed since its copy,
not every live id. Every trigger does O(1) work per face but for the cover's replacement,
which reads the person's faces through ``ix_faces_person_id``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_SCORE = "f.confidence * f.width * f.height"


def _still(face: str) -> str:
    """Whether a face may be a cover: on the picture a crop decodes (an image, a PDF's
    first page, a video's poster frame; not a key frame or a later page)."""
    return f"(({face}.page IS NULL OR {face}.page = 1) AND {face}.time_s IS NULL)"


def _gained(new: str) -> str:
    """Count a face in and make it the cover if it may be one and beats the current one."""
    return f"""UPDATE people SET face_count = face_count + 1,
        cover_face_id = CASE WHEN {_still(new)} AND (cover_face_id IS NULL
            OR {new}.confidence * {new}.width * {new}.height > COALESCE(
                (SELECT {_SCORE} FROM faces f WHERE f.id = people.cover_face_id), -1))
            THEN {new}.id ELSE cover_face_id END
        WHERE id = {new}.person_id"""


def _lost(old: str) -> list[str]:
    """Count a face out, pick the next best cover if it was the cover, drop an empty person."""
    return [
        f"""UPDATE people SET face_count = face_count - 1,
        cover_face_id = CASE WHEN cover_face_id = {old}.id THEN
            (SELECT f.id FROM faces f WHERE f.person_id = {old}.person_id AND {_still("f")}
             ORDER BY {_SCORE} DESC, f.id LIMIT 1)
            ELSE cover_face_id END
        WHERE id = {old}.person_id""",
        f"DELETE FROM people WHERE id = {old}.person_id AND face_count <= 0",
    ]


# The tenant's running totals: the face index's signature, read by primary key (a count of
# 100k faces costs 7-25 ms on SQLite, more than the whole assignment may take).
_ADDED = "UPDATE tenants SET faces_added = faces_added + 1 WHERE id = NEW.tenant_id"
_REMOVED = "UPDATE tenants SET faces_removed = faces_removed + 1 WHERE id = OLD.tenant_id"
# Removals logged per tenant: the latest _KEPT, pruned once every _PRUNE removals (a copy
# further behind reads the live ids instead).
_KEPT = 10_000
_PRUNE = 1_000


def _sqlite_logged() -> str:
    seq = "(SELECT faces_removed FROM tenants WHERE id = OLD.tenant_id)"
    return f"""INSERT INTO face_removals (tenant_id, seq, face_id)
            SELECT OLD.tenant_id, faces_removed, OLD.id FROM tenants WHERE id = OLD.tenant_id;
        DELETE FROM face_removals WHERE {seq} % {_PRUNE} = 0
            AND tenant_id = OLD.tenant_id AND seq <= {seq} - {_KEPT}"""


_PG_LOGGED = f"""UPDATE tenants SET faces_removed = faces_removed + 1 WHERE id = OLD.tenant_id
                RETURNING faces_removed INTO removal;
            IF removal IS NOT NULL THEN
                INSERT INTO face_removals (tenant_id, seq, face_id)
                    VALUES (OLD.tenant_id, removal, OLD.id);
                IF removal % {_PRUNE} = 0 THEN
                    DELETE FROM face_removals
                        WHERE tenant_id = OLD.tenant_id AND seq <= removal - {_KEPT};
                END IF;
            END IF"""


def _sqlite_triggers() -> list[str]:
    lost = ";\n".join(_lost("OLD"))
    return [
        f"""CREATE TRIGGER faces_people_ai AFTER INSERT ON faces
        BEGIN {_gained("NEW")}; {_ADDED}; END""",
        f"""CREATE TRIGGER faces_people_ad AFTER DELETE ON faces
        BEGIN {lost}; {_REMOVED}; {_sqlite_logged()}; END""",
        f"""CREATE TRIGGER faces_people_au AFTER UPDATE OF person_id ON faces
        WHEN OLD.person_id IS NOT NEW.person_id BEGIN {lost}; {_gained("NEW")}; END""",
    ]


def _pg_triggers() -> list[str]:
    lost = ";\n".join(_lost("OLD"))
    return [
        f"""CREATE FUNCTION faces_people() RETURNS trigger AS $$
        DECLARE removal integer;
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN {lost}; END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN {_gained("NEW")}; END IF;
            IF TG_OP = 'INSERT' THEN {_ADDED}; END IF;
            IF TG_OP = 'DELETE' THEN {_PG_LOGGED}; END IF;
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER faces_people AFTER INSERT OR DELETE ON faces
        FOR EACH ROW EXECUTE FUNCTION faces_people()""",
        """CREATE TRIGGER faces_people_moved AFTER UPDATE OF person_id ON faces
        FOR EACH ROW WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id)
        EXECUTE FUNCTION faces_people()""",
    ]


def upgrade() -> None:
    op.add_column(
        "tenants",
        sa.Column("face_recognition", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    for name in ("faces_added", "faces_removed"):
        op.add_column("tenants", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.add_column("images", sa.Column("faces_model", sa.String(length=100), nullable=True))
    op.create_table(
        "people",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("face_count", sa.Integer(), nullable=False),
        sa.Column("cover_face_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_people_tenant_count", "people", ["tenant_id", "face_count", "id"])
    op.create_table(
        "faces",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.Column("width", sa.Float(), nullable=False),
        sa.Column("height", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("time_s", sa.Float(), nullable=True),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_faces_image_id", "faces", ["image_id"])
    op.create_index("ix_faces_person_id", "faces", ["person_id"])
    op.create_index("ix_faces_tenant_model", "faces", ["tenant_id", "model", "created_at"])
    # No foreign keys: written by the triggers alone, and tenants are never deleted.
    op.create_table(
        "face_removals",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("face_id", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "seq"),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _sqlite_triggers() if sqlite else _pg_triggers():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("faces_people_ai", "faces_people_ad", "faces_people_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS faces_people_moved ON faces")
        op.execute("DROP TRIGGER IF EXISTS faces_people ON faces")
        op.execute("DROP FUNCTION IF EXISTS faces_people()")
    op.drop_table("face_removals")
    op.drop_table("faces")
    op.drop_index("ix_people_tenant_count", table_name="people")
    op.drop_table("people")
    with op.batch_alter_table("images") as batch:
        batch.drop_column("faces_model")
    with op.batch_alter_table("tenants") as batch:
        for name in ("face_recognition", "faces_added", "faces_removed"):
            batch.drop_column(name)
