"""Persistence: SQLAlchemy 2 tables, repository functions and Alembic migrations."""

from imagelens.db.engine import Database, upgrade

__all__ = ["Database", "upgrade"]
