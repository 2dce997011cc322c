"""A tenant's webhooks (admin scope): create with a secret shown once, list, change, delete,
their deliveries, a redelivery and a test message. Sending is service.deliverer's.

URLs come in already checked by the route (the address rules of URL inputs, asynchronously);
the deliverer checks them again at every attempt, since a name may point elsewhere later.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from imagelens.db import Database
from imagelens.db.tables import Webhook, WebhookDelivery, utcnow
from imagelens.db.webhooks import PENDING, new_id
from imagelens.errors import NotConfigured, NotFound
from imagelens.secretbox import SecretBox
from imagelens.types.webhooks import (
    TEST_EVENT,
    DeliveryList,
    DeliveryOut,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookOut,
    WebhookUpdate,
    event_body,
)
from imagelens.webhooksig import new_secret


def webhook_view(hook: Webhook) -> WebhookOut:
    return WebhookOut(
        webhook_id=hook.id,
        url=hook.url,
        events=list(hook.events),
        description=hook.description,
        enabled=hook.enabled,
        disabled_reason=hook.disabled_reason,
        created_at=hook.created_at,
    )


def delivery_view(row: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        delivery_id=row.id,
        webhook_id=row.webhook_id,
        message_id=row.message_id,
        event=row.event,
        status=row.status,  # pending|delivered|failed, as written
        attempts=row.attempts,
        last_status=row.last_status,
        last_error=row.last_error,
        duration_ms=row.duration_ms,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at if row.status == PENDING else None,
        delivered_at=row.delivered_at,
    )


class Webhooks:
    def __init__(
        self, *, db: Database, box: SecretBox | None, wake: Callable[[], None] = lambda: None
    ) -> None:
        """``wake``: tells this process's deliverer there is something to send now."""
        self.db = db
        self.box = box
        self.wake = wake

    def _hook(self, session: Session, tenant_id: str, webhook_id: str) -> Webhook:
        hook = session.get(Webhook, webhook_id)
        if hook is None or hook.tenant_id != tenant_id:  # another tenant's: not found
            raise NotFound(f"No webhook {webhook_id}.")
        return hook

    def create(self, tenant_id: str, body: WebhookCreate, url: str) -> WebhookCreated:
        """A new webhook on the checked ``url``; its secret is in this answer only."""
        if self.box is None:
            raise NotConfigured(
                "Webhook secrets need IMAGELENS_SECRET_KEY set on the server (it encrypts "
                "them at rest)."
            )
        secret = new_secret()
        with self.db.session() as session:
            hook = Webhook(
                id=new_id("wh"),
                tenant_id=tenant_id,
                url=url,
                events=sorted(set(body.events)),
                description=body.description,
                secret_sealed=self.box.seal(secret),
                enabled=True,
                created_at=utcnow(),
            )
            session.add(hook)
            session.flush()
            view = webhook_view(hook)
        return WebhookCreated(**view.model_dump(), secret=secret)

    def list(self, tenant_id: str) -> WebhookList:
        with self.db.session() as session:
            hooks = session.scalars(
                select(Webhook).where(Webhook.tenant_id == tenant_id).order_by(Webhook.created_at)
            )
            return WebhookList(webhooks=[webhook_view(h) for h in hooks])

    def get(self, tenant_id: str, webhook_id: str) -> WebhookOut:
        with self.db.session() as session:
            return webhook_view(self._hook(session, tenant_id, webhook_id))

    def update(
        self, tenant_id: str, webhook_id: str, body: WebhookUpdate, url: str | None
    ) -> WebhookOut:
        """Change what ``body`` sets (``url``: its checked form); enabling clears the reason
        it was disabled, and its pending deliveries go out again."""
        with self.db.session() as session:
            hook = self._hook(session, tenant_id, webhook_id)
            if url is not None:
                hook.url = url
            if body.events is not None:
                hook.events = sorted(set(body.events))
            if "description" in body.model_fields_set:
                hook.description = body.description
            if body.enabled is not None:
                hook.enabled = body.enabled
                hook.disabled_reason = None
            session.flush()
            view = webhook_view(hook)
        if view.enabled:
            self.wake()
        return view

    def delete(self, tenant_id: str, webhook_id: str) -> None:
        """Delete the webhook and its deliveries (pending ones are not sent)."""
        with self.db.session() as session:
            hook = self._hook(session, tenant_id, webhook_id)
            session.query(WebhookDelivery).filter(WebhookDelivery.webhook_id == hook.id).delete()
            session.delete(hook)

    def deliveries(self, tenant_id: str, webhook_id: str, limit: int = 100) -> DeliveryList:
        """The webhook's latest deliveries, newest first."""
        with self.db.session() as session:
            hook = self._hook(session, tenant_id, webhook_id)
            rows = session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.webhook_id == hook.id)
                .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
                .limit(limit)
            )
            return DeliveryList(deliveries=[delivery_view(r) for r in rows])

    def redeliver(self, tenant_id: str, webhook_id: str, delivery_id: str) -> DeliveryOut:
        """Send a delivery's message again, as a new delivery with the same webhook-id and
        body (so a receiver that had it drops it)."""
        with self.db.session() as session:
            hook = self._hook(session, tenant_id, webhook_id)
            old = session.get(WebhookDelivery, delivery_id)
            if old is None or old.webhook_id != hook.id:
                raise NotFound(f"No delivery {delivery_id}.")
            row = self._add(session, hook, old.event, old.subject_id, old.body, old.message_id)
            view = delivery_view(row)
        self.wake()
        return view

    def test(self, tenant_id: str, webhook_id: str) -> DeliveryOut:
        """Queue a ``webhook.test`` message (a disabled webhook's wait until it is enabled)."""
        with self.db.session() as session:
            hook = self._hook(session, tenant_id, webhook_id)
            body = event_body(TEST_EVENT, {"webhook_id": hook.id})
            row = self._add(session, hook, TEST_EVENT, hook.id, body, new_id("msg"))
            view = delivery_view(row)
        self.wake()
        return view

    def _add(
        self,
        session: Session,
        hook: Webhook,
        event: str,
        subject_id: str | None,
        body: str | None,
        message_id: str,
    ) -> WebhookDelivery:
        now = utcnow()
        row = WebhookDelivery(
            id=new_id("dlv"),
            webhook_id=hook.id,
            tenant_id=hook.tenant_id,
            message_id=message_id,
            event=event,
            event_key=None,
            subject_id=subject_id,
            body=body,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        session.flush()
        return row
