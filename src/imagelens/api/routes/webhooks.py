"""Webhooks (admin scope): endpoints told when the tenant's jobs, sessions and images change.
The URL obeys the rules of URL inputs (checked here and again at each delivery)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import Admin, ServicesDep
from imagelens.types.webhooks import (
    DeliveryList,
    DeliveryOut,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookOut,
    WebhookUpdate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.post("", status_code=201, response_model=WebhookCreated, operation_id="webhooks-create")
async def create_webhook(
    body: WebhookCreate, principal: Admin, services: ServicesDep
) -> WebhookCreated:
    """Call `url` on `events`, signed Standard Webhooks style with the `secret` in this
    answer (shown once: keep it)."""
    url = await services.fetcher.check_url(body.url)
    return await run_in_threadpool(services.webhooks.create, principal.tenant_id, body, url)


@router.get("", response_model=WebhookList, operation_id="webhooks-list")
async def list_webhooks(principal: Admin, services: ServicesDep) -> WebhookList:
    """The account's webhooks (without their secrets)."""
    return await run_in_threadpool(services.webhooks.list, principal.tenant_id)


@router.get("/{webhook_id}", response_model=WebhookOut, operation_id="webhooks-get")
async def get_webhook(webhook_id: str, principal: Admin, services: ServicesDep) -> WebhookOut:
    """One webhook; `disabled_reason` says why the server turned it off, if it did."""
    return await run_in_threadpool(services.webhooks.get, principal.tenant_id, webhook_id)


@router.patch("/{webhook_id}", response_model=WebhookOut, operation_id="webhooks-update")
async def update_webhook(
    webhook_id: str, body: WebhookUpdate, principal: Admin, services: ServicesDep
) -> WebhookOut:
    """Change the URL, events, description; `enabled: true` turns it back on."""
    url = await services.fetcher.check_url(body.url) if body.url is not None else None
    return await run_in_threadpool(
        services.webhooks.update, principal.tenant_id, webhook_id, body, url
    )


@router.delete("/{webhook_id}", status_code=204, operation_id="webhooks-delete")
async def delete_webhook(webhook_id: str, principal: Admin, services: ServicesDep) -> Response:
    """Delete the webhook and its deliveries."""
    await run_in_threadpool(services.webhooks.delete, principal.tenant_id, webhook_id)
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries", response_model=DeliveryList, operation_id="webhooks-deliveries"
)
async def list_deliveries(
    webhook_id: str,
    principal: Admin,
    services: ServicesDep,
    limit: int = Query(default=100, ge=1, le=500),
) -> DeliveryList:
    """The latest deliveries, newest first: status, attempts, last response, timing."""
    return await run_in_threadpool(
        services.webhooks.deliveries, principal.tenant_id, webhook_id, limit
    )


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryOut,
    operation_id="webhooks-redeliver",
)
async def redeliver(
    webhook_id: str, delivery_id: str, principal: Admin, services: ServicesDep
) -> DeliveryOut:
    """Send a message again (a new delivery, the same `webhook-id` and body)."""
    return await run_in_threadpool(
        services.webhooks.redeliver, principal.tenant_id, webhook_id, delivery_id
    )


@router.post(
    "/{webhook_id}/test", status_code=202, response_model=DeliveryOut, operation_id="webhooks-test"
)
async def test_webhook(webhook_id: str, principal: Admin, services: ServicesDep) -> DeliveryOut:
    """Queue a `webhook.test` message to the webhook; follow it in its deliveries."""
    return await run_in_threadpool(services.webhooks.test, principal.tenant_id, webhook_id)
