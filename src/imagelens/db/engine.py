"""Connections: one SQLAlchemy engine per process, SQLite tuned for a server, migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from imagelens.errors import InsufficientStorage, InvalidInput

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    """The engine and a session factory; sessions commit on success, roll back on error."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        """``pool_size``: PostgreSQL connections kept open (twice as many more on bursts);
        an API process serves many requests at once, a worker one per job thread."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # A statement's parameters never go into an error's text (and from there into logs or
        # a job's error): they can be face vectors, names, or a tenant's text.
        kwargs: dict[str, Any] = {"pool_pre_ping": not self.is_sqlite, "hide_parameters": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=2 * pool_size)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        event.listen(self.engine, "before_cursor_execute", _refuse_nul)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises.

        A full disk (SQLite "database or disk is full", PostgreSQL's disk_full) becomes
        InsufficientStorage, so callers answer 507 instead of a generic 500.
        """
        try:
            with self._sessions.begin() as session:
                yield session
        except DBAPIError as exc:
            if _disk_full(exc):
                raise InsufficientStorage(
                    "The database is out of disk space; retry once space is freed."
                ) from exc
            raise

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _refuse_nul(
    _conn: object,
    _cursor: object,
    _statement: str,
    parameters: object,
    _context: object,
    _executemany: bool,
) -> None:
    # PostgreSQL cannot store NUL in text (a DataError, a 500); refuse it on every database
    # alike, before the driver sees it. JSON values arrive serialised, NUL escaped.
    if _contains_nul(parameters):
        raise InvalidInput("A value contains a NUL character (\\x00), which cannot be stored.")


def _contains_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_nul(v) for v in value)
    return False


def _disk_full(exc: DBAPIError) -> bool:
    # SQLITE_FULL (13) from sqlite3; SQLSTATE 53100 disk_full from PostgreSQL.
    original = exc.orig
    if getattr(original, "sqlite_errorcode", None) == 13:
        return True
    return getattr(original, "sqlstate", None) == "53100" or "disk is full" in str(original)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # WAL lets readers go on while one writer commits; NORMAL sync is durable across a
    # process crash (only an OS crash can lose the last commits); the busy timeout makes
    # writers from several threads queue instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(url: str) -> Config:
    # Imported here: alembic is 0.5 s of a process's start-up, and workers never migrate.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` to ``revision`` (idempotent)."""
    if url.startswith("sqlite:///"):
        _create_private(Path(url.removeprefix("sqlite:///")))
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600, like the admin key): it holds
    key hashes and every tenant's results. SQLite gives its -wal and -shm files the same mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
