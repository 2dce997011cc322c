"""Wire models of the Webhooks API, shared by the server and the SDK (no server imports)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

WebhookEvent = Literal["job.completed", "job.failed", "session.completed", "image.deleted"]
EVENTS: tuple[str, ...] = ("job.completed", "job.failed", "session.completed", "image.deleted")
TEST_EVENT = "webhook.test"  # what POST /webhooks/{id}/test sends
DeliveryStatus = Literal["pending", "delivered", "failed"]


def event_body(event: str, data: Any, timestamp: datetime | None = None) -> str:
    """A message's JSON body: ``{"type", "timestamp", "data"}``."""
    when = (timestamp or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
    return json.dumps({"type": event, "timestamp": when, "data": data}, separators=(",", ":"))


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True)


class WebhookCreate(_Wire):
    url: str = Field(max_length=2000, description="http(s) URL the events are POSTed to.")
    events: list[WebhookEvent] = Field(min_length=1)
    description: str | None = Field(default=None, max_length=500)


class WebhookUpdate(_Wire):
    """Fields to change; `enabled: true` turns a disabled webhook back on."""

    url: str | None = Field(default=None, max_length=2000)
    events: list[WebhookEvent] | None = Field(default=None, min_length=1)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None


class WebhookOut(_Wire):
    webhook_id: str
    url: str
    events: list[str]
    description: str | None = None
    enabled: bool
    # Why the server turned it off (deliveries failing for a day), if it did.
    disabled_reason: str | None = None
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="whsec_... signing secret; shown only in this answer.")


class WebhookList(_Wire):
    webhooks: list[WebhookOut]


class DeliveryOut(_Wire):
    delivery_id: str
    webhook_id: str
    message_id: str = Field(description="The webhook-id header: the same on every retry.")
    event: str
    status: DeliveryStatus
    attempts: int
    last_status: int | None = None  # the receiver's last HTTP status
    last_error: str | None = None
    duration_ms: int | None = None  # of the last attempt
    created_at: datetime
    next_attempt_at: datetime | None = None  # pending ones
    delivered_at: datetime | None = None


class DeliveryList(_Wire):
    deliveries: list[DeliveryOut]
