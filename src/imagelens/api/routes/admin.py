"""GET /quota and the API keys (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import Admin, Reader, ServicesDep
from imagelens.core import Services
from imagelens.service.auth import Principal
from imagelens.service.keys import create_api_key, list_api_keys, revoke_api_key
from imagelens.types.api import ApiKeyCreate, ApiKeyCreated, ApiKeyList, QuotaInfo

router = APIRouter(tags=["admin"])


@router.get("/quota", response_model=QuotaInfo, operation_id="quota-get")
async def quota(
    principal: Reader, services: ServicesDep, requested: int = Query(default=1, ge=0)
) -> QuotaInfo:
    """This tenant's monthly analyses: limit, used, available."""
    return await run_in_threadpool(services.ingestor.quota, principal.tenant_id, requested)


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated, operation_id="keys-create")
async def create(body: ApiKeyCreate, principal: Admin, services: ServicesDep) -> ApiKeyCreated:
    """Create a key in the caller's tenant (another or a new tenant needs `operator`); the key
    is shown once."""
    return await run_in_threadpool(create_api_key, services.db, principal, body, services.signing)


@router.get("/api-keys", response_model=ApiKeyList, operation_id="keys-list")
async def list_(
    principal: Admin,
    services: ServicesDep,
    tenant: str | None = Query(default=None, max_length=64, pattern=r"^[\w.-]+$"),
) -> ApiKeyList:
    """The keys of the caller's tenant (an operator may name another `tenant`); never the key
    itself."""
    return await run_in_threadpool(list_api_keys, services.db, principal, tenant)


def _revoke(services: Services, principal: Principal, key_id: str) -> None:
    revoke_api_key(services.db, principal, key_id)
    services.keys.forget(key_id)


@router.delete("/api-keys/{key_id}", status_code=204, operation_id="keys-delete")
async def delete(key_id: str, principal: Admin, services: ServicesDep) -> Response:
    """Revoke a key of the caller's tenant (an operator: of any tenant)."""
    await run_in_threadpool(_revoke, services, principal, key_id)
    return Response(status_code=204)
