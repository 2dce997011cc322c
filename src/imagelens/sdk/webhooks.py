"""``client.webhooks`` (needs an admin key): endpoints told when jobs, batch sessions and
images change, and :func:`verify_webhook` for the receiving side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from imagelens.sdk._core import Core
from imagelens.sdk._sync import Sync, blocking
from imagelens.sdk.resources import API
from imagelens.types.webhooks import (
    DeliveryList,
    DeliveryOut,
    WebhookCreated,
    WebhookList,
    WebhookOut,
)
from imagelens.webhooksig import WebhookVerificationError, verify


def verify_webhook(payload: bytes | str, headers: Mapping[str, str], secret: str) -> None:
    """Raise WebhookVerificationError (a ValueError) unless ``payload``, the raw request
    body, carries a valid Standard Webhooks signature by ``secret`` (``whsec_...``) from
    the last five minutes. Deduplicate by ``headers["webhook-id"]``: a message may come
    twice."""
    verify(payload, headers, secret)


class Webhooks:
    def __init__(self, core: Core) -> None:
        self._core = core

    async def create(
        self, *, url: str, events: Sequence[str], description: str | None = None
    ) -> WebhookCreated:
        """A webhook; keep ``.secret``: it is shown only here."""
        body = {"url": url, "events": list(events), "description": description}
        response = await self._core.request("POST", f"{API}/webhooks", json=body)
        return WebhookCreated.model_validate_json(response.content)

    async def list(self) -> WebhookList:
        response = await self._core.request("GET", f"{API}/webhooks")
        return WebhookList.model_validate_json(response.content)

    async def get(self, webhook_id: str) -> WebhookOut:
        response = await self._core.request("GET", f"{API}/webhooks/{webhook_id}")
        return WebhookOut.model_validate_json(response.content)

    async def update(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        events: Sequence[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> WebhookOut:
        """Change the fields given; ``enabled=True`` turns a disabled webhook back on."""
        body: dict[str, object] = {}
        if url is not None:
            body["url"] = url
        if events is not None:
            body["events"] = list(events)
        if description is not None:
            body["description"] = description
        if enabled is not None:
            body["enabled"] = enabled
        response = await self._core.request("PATCH", f"{API}/webhooks/{webhook_id}", json=body)
        return WebhookOut.model_validate_json(response.content)

    async def delete(self, webhook_id: str) -> None:
        await self._core.request("DELETE", f"{API}/webhooks/{webhook_id}")

    async def deliveries(self, webhook_id: str, *, limit: int = 100) -> DeliveryList:
        """The latest deliveries, newest first."""
        response = await self._core.request(
            "GET", f"{API}/webhooks/{webhook_id}/deliveries", params={"limit": limit}
        )
        return DeliveryList.model_validate_json(response.content)

    async def redeliver(self, webhook_id: str, delivery_id: str) -> DeliveryOut:
        """Send a message again (same webhook-id and body)."""
        response = await self._core.request(
            "POST", f"{API}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"
        )
        return DeliveryOut.model_validate_json(response.content)

    async def test(self, webhook_id: str) -> DeliveryOut:
        """Queue a ``webhook.test`` message."""
        response = await self._core.request("POST", f"{API}/webhooks/{webhook_id}/test")
        return DeliveryOut.model_validate_json(response.content)


class SyncWebhooks(Sync[Webhooks]):
    create = blocking(Webhooks.create)
    list = blocking(Webhooks.list)
    get = blocking(Webhooks.get)
    update = blocking(Webhooks.update)
    delete = blocking(Webhooks.delete)
    deliveries = blocking(Webhooks.deliveries)
    redeliver = blocking(Webhooks.redeliver)
    test = blocking(Webhooks.test)


__all__ = ["SyncWebhooks", "WebhookVerificationError", "Webhooks", "verify_webhook"]
