"""One INSERT ... ON CONFLICT DO UPDATE for SQLite and PostgreSQL alike: a row written by two
processes at once (a job's save and a reindex, two API processes catching up) is replaced,
never a unique-key error. SQLAlchemy has the statement per dialect; this picks it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from imagelens.db.tables import Base


def upsert(
    session: Session, entity: type[Base], values: dict[str, Any], keys: Sequence[str]
) -> None:
    """Insert ``values`` as an ``entity`` row, or update the row whose ``keys`` match."""
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = (postgres_insert if postgres else sqlite_insert)(entity).values(**values)
    changed = {name: statement.excluded[name] for name in values if name not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changed))
