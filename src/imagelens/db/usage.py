"""Monthly analysis counts per tenant, checked and incremented in one statement."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import Integer, String, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from imagelens.db.tables import Tenant, Usage, utcnow


def month_of(when: datetime | None = None) -> str:
    return (when or utcnow()).strftime("%Y-%m")


def used(*, session: Session, tenant_id: str, month: str | None = None) -> int:
    count = session.scalar(
        select(Usage.count).where(
            Usage.tenant_id == tenant_id, Usage.month == (month or month_of())
        )
    )
    return count or 0


def limit_for(*, session: Session, tenant_id: str, default: int) -> int:
    own = session.scalar(select(Tenant.monthly_quota).where(Tenant.id == tenant_id))
    return default if own is None else own


def consume(*, session: Session, tenant_id: str, n: int, limit: int) -> bool:
    """Count ``n`` analyses if they fit under ``limit`` (0 = unlimited); False if not.

    One upsert whose update only applies while the total stays within the limit, so
    concurrent requests can never overshoot it (the row lock serialises them).
    """
    if limit and n > limit:
        return False
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Usage).values(tenant_id=tenant_id, month=month_of(), count=n)
    condition = (Usage.count + n <= limit) if limit else None
    # RETURNING gives a row only when the insert or the update happened (rowcount after an
    # upsert differs between drivers).
    counted = session.scalar(
        statement.on_conflict_do_update(
            index_elements=[Usage.tenant_id, Usage.month],
            set_={"count": Usage.count + n},
            where=condition,
        ).returning(Usage.count)
    )
    return counted is not None


def consume_one(*, session: Session, tenant_id: str, default: int) -> bool:
    """Count one analysis if it fits under the tenant's limit (its own, else ``default``;
    0 = unlimited); False if not. Like :func:`consume`, but the limit is read by a subquery
    inside the upsert: one statement per upload instead of a SELECT of the tenant first.
    (The first count of a month is inserted unchecked: any limit but 0 = off is >= 1.)"""
    statement = _consume_one(session.get_bind().dialect.name == "postgresql")
    values = {"tenant": tenant_id, "month": month_of(), "default": default}
    # On the connection: the ORM session would take an INSERT's parameters for rows. (So no
    # autoflush: a caller's pending tenant row must be flushed first; ensure_tenant does.)
    return session.connection().execute(statement, values).scalar() is not None


@lru_cache(maxsize=2)
def _consume_one(postgres: bool) -> ReturningInsert[int]:
    # Built once, its values bound per call: building it took ~0.3 ms of an upload's ~5 ms
    # in the API process (benchmarks/profile_acceptance.py).
    tenant = bindparam("tenant", type_=String)
    own = select(Tenant.monthly_quota).where(Tenant.id == tenant).scalar_subquery()
    limit = func.coalesce(own, bindparam("default", type_=Integer))
    insert = pg_insert if postgres else sqlite_insert
    statement = insert(Usage).values(tenant_id=tenant, month=bindparam("month"), count=1)
    return statement.on_conflict_do_update(
        index_elements=[Usage.tenant_id, Usage.month],
        set_={"count": Usage.count + 1},
        where=or_(limit == 0, Usage.count + 1 <= limit),
    ).returning(Usage.count)
