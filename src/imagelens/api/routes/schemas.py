"""Custom extraction schemas: a tenant's own JSON Schema for `extracted` (VLM back-ends)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from imagelens.api.container import Services
from imagelens.api.deps import Reader, ServicesDep, Writer
from imagelens.db.schemas import create_schema, get_schema, list_schemas
from imagelens.db.tables import CustomSchema
from imagelens.engine.vlm.custom import check_schema
from imagelens.errors import NotFound
from imagelens.types.api import CustomSchemaCreate, CustomSchemaInfo, CustomSchemaList

router = APIRouter(prefix="/custom-extraction-schemas", tags=["schemas"])


def _info(row: CustomSchema) -> CustomSchemaInfo:
    return CustomSchemaInfo(
        id=row.id,
        name=row.name,
        description=row.description,
        json_schema=row.json_schema,
        prompt_hint=row.prompt_hint,
        created_at=row.created_at,
    )


def _create(services: Services, tenant_id: str, body: CustomSchemaCreate) -> CustomSchemaInfo:
    schema = check_schema(body.json_schema)
    with services.db.session() as session:
        row = create_schema(
            session=session,
            tenant_id=tenant_id,
            name=body.name,
            description=body.description,
            json_schema=schema,
            prompt_hint=body.prompt_hint,
        )
        return _info(row)


@router.post("", status_code=201, response_model=CustomSchemaInfo, operation_id="schemas-create")
async def create(
    body: CustomSchemaCreate, principal: Writer, services: ServicesDep
) -> CustomSchemaInfo:
    """Store a schema (object root, depth <= 3, <= 50 properties per object, <= 200 nodes,
    <= 32 KB; string/integer/number/boolean/array/object; anyOf only)."""
    return await run_in_threadpool(_create, services, principal.tenant_id, body)


def _list(services: Services, tenant_id: str) -> CustomSchemaList:
    with services.db.session() as session:
        return CustomSchemaList(
            items=[_info(r) for r in list_schemas(session=session, tenant_id=tenant_id)]
        )


@router.get("", response_model=CustomSchemaList, operation_id="schemas-list")
async def list_(principal: Reader, services: ServicesDep) -> CustomSchemaList:
    return await run_in_threadpool(_list, services, principal.tenant_id)


def _get(services: Services, tenant_id: str, schema_id: str) -> CustomSchemaInfo:
    with services.db.session() as session:
        row = get_schema(session=session, tenant_id=tenant_id, schema_id=schema_id)
        if row is None:
            raise NotFound(f"No custom extraction schema {schema_id}.")
        return _info(row)


@router.get("/{schema_id}", response_model=CustomSchemaInfo, operation_id="schemas-get")
async def get(schema_id: str, principal: Reader, services: ServicesDep) -> CustomSchemaInfo:
    return await run_in_threadpool(_get, services, principal.tenant_id, schema_id)


def _delete(services: Services, tenant_id: str, schema_id: str) -> None:
    with services.db.session() as session:
        row = get_schema(session=session, tenant_id=tenant_id, schema_id=schema_id)
        if row is None:
            raise NotFound(f"No custom extraction schema {schema_id}.")
        session.delete(row)


@router.delete("/{schema_id}", status_code=204, operation_id="schemas-delete")
async def delete(schema_id: str, principal: Writer, services: ServicesDep) -> Response:
    await run_in_threadpool(_delete, services, principal.tenant_id, schema_id)
    return Response(status_code=204)
