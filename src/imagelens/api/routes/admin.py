"""GET /quota and the API keys (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from imagelens.api.container import Services
from imagelens.api.deps import Admin, Reader, ServicesDep
from imagelens.db.keys import create_key, delete_key, list_keys
from imagelens.db.tables import ApiKey
from imagelens.errors import NotFound
from imagelens.types.api import ApiKeyCreate, ApiKeyCreated, ApiKeyInfo, ApiKeyList, QuotaInfo

router = APIRouter(tags=["admin"])


@router.get("/quota", response_model=QuotaInfo, operation_id="quota-get")
async def quota(
    principal: Reader, services: ServicesDep, requested: int = Query(default=1, ge=0)
) -> QuotaInfo:
    """This tenant's monthly analyses: limit, used, available."""
    return await run_in_threadpool(services.ingestor.quota, principal.tenant_id, requested)


def _info(row: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=row.scopes.split(),
        tenant=row.tenant_id,
        expires_at=row.expires_at,
        created_at=row.created_at,
    )


def _create(services: Services, tenant_id: str, body: ApiKeyCreate) -> ApiKeyCreated:
    with services.db.session() as session:
        row, key = create_key(
            session=session,
            tenant_id=body.tenant or tenant_id,
            name=body.name,
            scopes=list(body.scopes),
            expires_at=body.expires_at,
        )
        return ApiKeyCreated(**_info(row).model_dump(), key=key)


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated, operation_id="keys-create")
async def create(body: ApiKeyCreate, principal: Admin, services: ServicesDep) -> ApiKeyCreated:
    """Create a key (for a new or existing tenant when `tenant` is given); the key is shown once."""
    return await run_in_threadpool(_create, services, principal.tenant_id, body)


def _list(services: Services, tenant_id: str) -> ApiKeyList:
    with services.db.session() as session:
        return ApiKeyList(items=[_info(r) for r in list_keys(session=session, tenant_id=tenant_id)])


@router.get("/api-keys", response_model=ApiKeyList, operation_id="keys-list")
async def list_(principal: Admin, services: ServicesDep) -> ApiKeyList:
    """The keys of the caller's tenant (never the key itself)."""
    return await run_in_threadpool(_list, services, principal.tenant_id)


def _delete(services: Services, tenant_id: str, key_id: str) -> None:
    with services.db.session() as session:
        if not delete_key(session=session, key_id=key_id, tenant_id=tenant_id):
            raise NotFound(f"No API key {key_id}.")
    services.keys.forget(key_id)


@router.delete("/api-keys/{key_id}", status_code=204, operation_id="keys-delete")
async def delete(key_id: str, principal: Admin, services: ServicesDep) -> Response:
    """Revoke a key of the caller's tenant."""
    await run_in_threadpool(_delete, services, principal.tenant_id, key_id)
    return Response(status_code=204)
