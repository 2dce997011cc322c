"""Custom extraction schemas: a tenant's own JSON Schema for `extracted` (VLM back-ends)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import Reader, ServicesDep, Writer
from imagelens.service.schemas import (
    create_custom_schema,
    delete_custom_schema,
    get_custom_schema,
    list_custom_schemas,
)
from imagelens.types.api import CustomSchemaCreate, CustomSchemaInfo, CustomSchemaList

router = APIRouter(prefix="/custom-extraction-schemas", tags=["schemas"])


@router.post("", status_code=201, response_model=CustomSchemaInfo, operation_id="schemas-create")
async def create(
    body: CustomSchemaCreate, principal: Writer, services: ServicesDep
) -> CustomSchemaInfo:
    """Store a schema (object root, depth <= 3, <= 50 properties per object, <= 200 nodes,
    <= 32 KB; string/integer/number/boolean/array/object; anyOf only)."""
    return await run_in_threadpool(create_custom_schema, services.db, principal.tenant_id, body)


@router.get("", response_model=CustomSchemaList, operation_id="schemas-list")
async def list_(principal: Reader, services: ServicesDep) -> CustomSchemaList:
    return await run_in_threadpool(list_custom_schemas, services.db, principal.tenant_id)


@router.get("/{schema_id}", response_model=CustomSchemaInfo, operation_id="schemas-get")
async def get(schema_id: str, principal: Reader, services: ServicesDep) -> CustomSchemaInfo:
    return await run_in_threadpool(get_custom_schema, services.db, principal.tenant_id, schema_id)


@router.delete("/{schema_id}", status_code=204, operation_id="schemas-delete")
async def delete(schema_id: str, principal: Writer, services: ServicesDep) -> Response:
    await run_in_threadpool(delete_custom_schema, services.db, principal.tenant_id, schema_id)
    return Response(status_code=204)
