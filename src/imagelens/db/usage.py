"""Monthly analysis counts per tenant, checked and incremented in one statement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

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

    The row is created if missing, then a conditional UPDATE adds ``n`` only while the
    total stays within the limit, so concurrent requests can never overshoot it.
    """
    month = month_of()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(Usage).values(tenant_id=tenant_id, month=month, count=0).on_conflict_do_nothing()
    )
    query = update(Usage).where(Usage.tenant_id == tenant_id, Usage.month == month)
    if limit > 0:
        query = query.where(Usage.count + n <= limit)
    result = session.execute(query.values(count=Usage.count + n))
    return bool(result.rowcount)  # type: ignore[attr-defined]
