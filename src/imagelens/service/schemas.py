"""A tenant's custom extraction schemas: checked, stored, listed, deleted (blocking)."""

from __future__ import annotations

from imagelens.db import Database
from imagelens.db.schemas import create_schema, get_schema, list_schemas
from imagelens.db.tables import CustomSchema
from imagelens.engine.vlm.custom import check_schema
from imagelens.errors import NotFound
from imagelens.types.api import CustomSchemaCreate, CustomSchemaInfo, CustomSchemaList


def _info(row: CustomSchema) -> CustomSchemaInfo:
    return CustomSchemaInfo(
        id=row.id,
        name=row.name,
        description=row.description,
        json_schema=row.json_schema,
        prompt_hint=row.prompt_hint,
        created_at=row.created_at,
    )


def create_custom_schema(
    db: Database, tenant_id: str, body: CustomSchemaCreate
) -> CustomSchemaInfo:
    schema = check_schema(body.json_schema)
    with db.session() as session:
        row = create_schema(
            session=session,
            tenant_id=tenant_id,
            name=body.name,
            description=body.description,
            json_schema=schema,
            prompt_hint=body.prompt_hint,
        )
        return _info(row)


def list_custom_schemas(db: Database, tenant_id: str) -> CustomSchemaList:
    with db.session() as session:
        return CustomSchemaList(
            items=[_info(r) for r in list_schemas(session=session, tenant_id=tenant_id)]
        )


def get_custom_schema(db: Database, tenant_id: str, schema_id: str) -> CustomSchemaInfo:
    with db.session() as session:
        row = get_schema(session=session, tenant_id=tenant_id, schema_id=schema_id)
        if row is None:
            raise NotFound(f"No custom extraction schema {schema_id}.")
        return _info(row)


def delete_custom_schema(db: Database, tenant_id: str, schema_id: str) -> None:
    with db.session() as session:
        row = get_schema(session=session, tenant_id=tenant_id, schema_id=schema_id)
        if row is None:
            raise NotFound(f"No custom extraction schema {schema_id}.")
        session.delete(row)
