"""A tenant's settings (admin scope): its own S3 bucket (bring your own bucket), and face
recognition on or off."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import Admin, ServicesDep
from imagelens.types.api import CustomS3Config, CustomStorage
from imagelens.types.people import FaceSettings, FaceSettingsUpdate

router = APIRouter(prefix="/settings", tags=["settings"])


@router.put("/custom-s3", response_model=CustomStorage, operation_id="settings-custom_s3-put")
async def configure_custom_s3(
    body: CustomS3Config, principal: Admin, services: ServicesDep
) -> CustomStorage:
    """Use this bucket for uploads with `storage_target=custom`; it is checked with a test
    write first. The secret is stored encrypted and never returned."""
    if body.endpoint_url:  # the server will connect there: the same address rules as URLs
        # Only the normalised URL goes on, the one botocore reads as the check did.
        endpoint = await services.fetcher.check_url(body.endpoint_url, endpoint=True)
        body = body.model_copy(update={"endpoint_url": endpoint})
    return await run_in_threadpool(services.buckets.configure, principal.tenant_id, body)


@router.get("/custom-s3", response_model=CustomStorage, operation_id="settings-custom_s3-get")
async def get_custom_s3(principal: Admin, services: ServicesDep) -> CustomStorage:
    """The tenant's bucket, without its secret."""
    return await run_in_threadpool(services.buckets.get, principal.tenant_id)


@router.delete("/custom-s3", status_code=204, operation_id="settings-custom_s3-delete")
async def remove_custom_s3(principal: Admin, services: ServicesDep) -> Response:
    """Forget the tenant's bucket (its objects stay in it; images there read as 503 until it
    is configured again)."""
    await run_in_threadpool(services.buckets.remove, principal.tenant_id)
    return Response(status_code=204)


@router.get("/faces", response_model=FaceSettings, operation_id="settings-faces-get")
async def get_faces(principal: Admin, services: ServicesDep) -> FaceSettings:
    """Whether face recognition is on for this account (and allowed by the server)."""
    return await run_in_threadpool(services.people.settings, principal.tenant_id)


@router.put("/faces", response_model=FaceSettings, operation_id="settings-faces-put")
async def put_faces(
    body: FaceSettingsUpdate, principal: Admin, services: ServicesDep
) -> FaceSettings:
    """Turn face recognition on or off for this account. Off deletes every face vector and
    person of the account at once; images and their face boxes stay."""
    return await run_in_threadpool(
        services.people.set_recognition, principal.tenant_id, body.recognition
    )
