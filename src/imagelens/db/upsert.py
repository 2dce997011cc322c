"""One INSERT ... ON CONFLICT DO UPDATE for SQLite and PostgreSQL alike: a row written by two
processes at once (a job's save and a reindex, two API processes catching up) is replaced,
never a unique-key error. SQLAlchemy has the statement per dialect; this picks it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from imagelens.db.tables import Base


def upsert(
    session: Session, entity: type[Base], values: dict[str, Any], keys: Sequence[str]
) -> None:
    """Insert ``values`` as an ``entity`` row, or update the row whose ``keys`` match."""
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = _statement(entity, tuple(values), tuple(keys), postgres)
    # On the connection (Core): the ORM's execute path cost as much as building it had.
    session.connection().execute(statement, values)


@lru_cache(maxsize=64)
def _statement(
    entity: type[Base], names: tuple[str, ...], keys: tuple[str, ...], postgres: bool
) -> Insert:
    # Built once per shape: ``excluded`` aliases the table anew on each statement, which
    # cost ~1 ms per upsert (two or three per job) on a busy core.
    statement = (postgres_insert if postgres else sqlite_insert)(entity)
    changed = {name: statement.excluded[name] for name in names if name not in keys}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=changed)
