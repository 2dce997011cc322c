"""Custom extraction schemas of a tenant."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from imagelens.db.keys import ensure_tenant
from imagelens.db.tables import CustomSchema, utcnow


def create_schema(
    *,
    session: Session,
    tenant_id: str,
    name: str,
    description: str | None,
    json_schema: dict[str, Any],
    prompt_hint: str | None,
) -> CustomSchema:
    ensure_tenant(session=session, tenant_id=tenant_id)
    row = CustomSchema(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        name=name,
        description=description,
        json_schema=json_schema,
        prompt_hint=prompt_hint,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def get_schema(*, session: Session, tenant_id: str, schema_id: str) -> CustomSchema | None:
    return session.scalar(
        select(CustomSchema).where(
            CustomSchema.id == schema_id, CustomSchema.tenant_id == tenant_id
        )
    )


def list_schemas(*, session: Session, tenant_id: str) -> list[CustomSchema]:
    query = select(CustomSchema).where(CustomSchema.tenant_id == tenant_id)
    return list(session.scalars(query.order_by(CustomSchema.created_at)))
