"""Webhooks and the delivery outbox: rows written beside the change they tell about, claimed
by deliverers with a lease (a conditional UPDATE: safe with any number of processes on SQLite
or PostgreSQL, no row locks held while a receiver is called)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Row, Select, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from imagelens.db.tables import Image, UploadSession, Webhook, WebhookDelivery, utcnow
from imagelens.types import JobStatus

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def enqueue_event(
    *,
    session: Session,
    tenant_id: str,
    event: str,
    subject_id: str,
    body: str | None = None,
) -> int:
    """Add a pending delivery of ``event`` about ``subject_id`` for each of the tenant's
    enabled webhooks that listen to it; how many. ``body`` None: rendered at the first
    attempt, from the committed state. Telling the same event twice adds nothing."""
    hooks = _hooks(session, tenant_id)
    return _enqueue(session, hooks, tenant_id, event, subject_id, body)


def _hooks(session: Session, tenant_id: str) -> list[Row[tuple[str, list[Any]]]]:
    """The tenant's enabled webhooks: (id, events)."""
    return list(session.connection().execute(_listening(), {"p_tenant": tenant_id}).all())


def _enqueue(
    session: Session,
    hooks: list[Row[tuple[str, list[Any]]]],
    tenant_id: str,
    event: str,
    subject_id: str,
    body: str | None = None,
) -> int:
    rows: list[dict[str, Any]] = [
        {
            "id": new_id("dlv"),
            "webhook_id": hook.id,
            "tenant_id": tenant_id,
            "message_id": new_id("msg"),
            "event": event,
            "event_key": f"{event}:{subject_id}",
            "subject_id": subject_id,
            "body": body,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": utcnow(),
            "created_at": utcnow(),
        }
        for hook in hooks
        if event in hook.events
    ]
    if not rows:
        return 0
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = (postgres_insert if postgres else sqlite_insert)(WebhookDelivery).values(rows)
    session.execute(statement.on_conflict_do_nothing(index_elements=["webhook_id", "event_key"]))
    return len(rows)


@lru_cache(maxsize=1)
def _listening() -> Select[tuple[str, list[Any]]]:
    # Built once: every job reads its tenant's webhooks as it finishes.
    return select(Webhook.id, Webhook.events).where(
        Webhook.tenant_id == bindparam("p_tenant"), Webhook.enabled.is_(True)
    )


def enqueue_job_events(
    *,
    session: Session,
    job_id: str,
    tenant_id: str,
    image_id: str | None,
    failed: bool,
    session_id: str | Literal["unknown"] | None = "unknown",
) -> int:
    """The outbox rows of an image job that finishes in this transaction: job.completed or
    job.failed, and session.completed when it was its batch's last open file
    (``session_id``: the image's batch when the caller read it already); how many rows.
    A tenant without webhooks costs the one read of its hooks."""
    hooks = _hooks(session, tenant_id)
    if not hooks:
        # Nobody to tell, and the batch's lock below is skipped. A webhook created while a
        # batch's last two files finish could miss that batch's session.completed (a window
        # of one transaction), as it misses every event from before it existed.
        return 0
    event = "job.failed" if failed else "job.completed"
    added = _enqueue(session, hooks, tenant_id, event, job_id)
    if image_id is None:
        return added
    if session_id == "unknown":
        session_id = session.scalar(select(Image.session_id).where(Image.id == image_id))
    if session_id is None:
        return added
    # Two files of a batch finishing at once must not each see the other still open (read
    # committed): the session's row lock makes the later one wait and read the earlier's
    # outcome. SQLite has one writer at a time already (the job's finish took the lock).
    upload = session.scalar(
        select(UploadSession.id).where(UploadSession.id == session_id).with_for_update()
    )
    if upload is None:
        return added
    open_files = session.scalar(
        select(Image.id)
        .where(
            Image.session_id == session_id,
            Image.id != image_id,
            Image.status.not_in([JobStatus.COMPLETED.value, JobStatus.FAILED.value]),
        )
        .limit(1)
    )
    if open_files is None:
        added += _enqueue(session, hooks, tenant_id, "session.completed", session_id)
    return added


def due_ids(*, session: Session, now: datetime, limit: int) -> list[str]:
    """Pending deliveries of enabled webhooks whose time has come and no live lease holds."""
    rows = session.scalars(
        select(WebhookDelivery.id)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at <= now,
            or_(
                WebhookDelivery.lease_expires_at.is_(None),
                WebhookDelivery.lease_expires_at < now,
            ),
            Webhook.enabled.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    )
    return list(rows)


def claim_delivery(
    *, session: Session, delivery_id: str, owner: str, now: datetime, lease: float
) -> bool:
    """Take the delivery for ``lease`` seconds if it is still pending and unheld: the
    conditional UPDATE lets exactly one of several deliverers win it."""
    done = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == PENDING,
            or_(
                WebhookDelivery.lease_expires_at.is_(None),
                WebhookDelivery.lease_expires_at < now,
            ),
        )
        .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease))
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]
