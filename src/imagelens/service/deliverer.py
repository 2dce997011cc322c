"""Sends webhook deliveries: a thread in every process that runs jobs (the in-process pool's
server, each Celery worker), never a request thread.

Each pass claims due deliveries with a lease (db.webhooks.claim_delivery: one process wins
each row), sends them on a few threads and records the outcome. A process killed mid-send
leaves its row claimed; when the lease runs out any deliverer takes it again, so a pending
delivery is never lost, and a message the receiver got just before the kill is sent once
more with the same ``webhook-id`` (at least once; receivers drop duplicates by it).

Every attempt checks the URL again (address rules of URL inputs) and connects to the
address it checked; redirects are not followed (a 3xx is a failed attempt). Failures are
retried with exponential backoff and full jitter for ``retry_for`` (24 h); then the
delivery fails and its webhook is disabled, with the reason.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx

from imagelens.config import WebhookSettings
from imagelens.db import Database
from imagelens.db.tables import Webhook, WebhookDelivery, utcnow
from imagelens.db.webhooks import DELIVERED, FAILED, PENDING, claim_delivery, due_ids
from imagelens.errors import ImageLensError, NotConfigured, NotFound
from imagelens.intake.fetch import UrlFetcher
from imagelens.jobs.periodic import Periodic
from imagelens.secretbox import SecretBox
from imagelens.service.library import Library
from imagelens.types.webhooks import event_body
from imagelens.webhooksig import sign

log = logging.getLogger(__name__)

_ERROR_CHARS = 500  # of a failure's description kept on the row


class Deliverer:
    def __init__(
        self,
        *,
        db: Database,
        box: SecretBox | None,
        library: Library,
        fetcher: UrlFetcher,
        settings: WebhookSettings,
        owner: str,
        threads: int = 2,
        transport: httpx.BaseTransport | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        """``owner``: this process's lease holder name; ``threads``: deliveries sent at
        once; ``jitter``: a number in [0, 1) per retry (tests pin it)."""
        self.db = db
        self.box = box
        self.library = library
        self.fetcher = fetcher
        self.settings = settings
        self.owner = owner
        # Longer than one attempt can take (connect, write and read each get the timeout).
        self.lease = 4 * settings.timeout + 10
        self._jitter = jitter
        self._threads = threads
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,
            headers={"User-Agent": "imagelens-webhooks/1"},
        )
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="imagelens-hook")
        self._periodic = Periodic("webhooks", settings.interval, self.run_once)

    def start(self) -> None:
        self._periodic.start()

    def wake(self) -> None:
        """Look for due deliveries now, not at the next interval."""
        self._periodic.wake()

    def stop(self) -> None:
        self._periodic.stop()
        self._pool.shutdown(wait=True)
        self._client.close()

    def run_once(self) -> int:
        """One pass: claim what is due and send it; how many were attempted."""
        now = utcnow()
        with self.db.session() as session:
            candidates = due_ids(session=session, now=now, limit=4 * self._threads)
        claimed = []
        for delivery_id in candidates:
            with self.db.session() as session:
                if claim_delivery(
                    session=session,
                    delivery_id=delivery_id,
                    owner=self.owner,
                    now=now,
                    lease=self.lease,
                ):
                    claimed.append(delivery_id)
        list(self._pool.map(self._attempt, claimed))
        return len(claimed)

    def _attempt(self, delivery_id: str) -> None:
        try:
            self._send(delivery_id)
        except Exception:  # the row keeps its lease and is tried again when it runs out
            log.exception("webhook delivery crashed", extra={"delivery_id": delivery_id})

    def _send(self, delivery_id: str) -> None:
        with self.db.session() as session:
            row = session.get(WebhookDelivery, delivery_id)
            hook = session.get(Webhook, row.webhook_id) if row is not None else None
            if row is None or hook is None or row.lease_owner != self.owner:
                return
            if row.body is None:  # rendered once, from the committed state; then kept
                row.body = self._render(row)
            body, url, sealed = row.body, hook.url, hook.secret_sealed
            message_id = row.message_id
        status: int | None = None
        error: str | None = None
        started = time.monotonic()
        try:
            status = self._post(url, message_id, body.encode(), sealed)
            if not 200 <= status < 300:
                error = f"HTTP {status}" + (" (redirects are not followed)" if status < 400 else "")
        except ImageLensError as exc:  # the URL's address is refused now, the secret unreadable
            error = exc.message
        except httpx.TimeoutException:
            error = f"No answer within {self.settings.timeout:g} s."
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        duration_ms = round((time.monotonic() - started) * 1000)
        self._record(delivery_id, status, error, duration_ms)

    def _render(self, row: WebhookDelivery) -> str:
        """The message body: the job or session as the API answers for it now (finished)."""
        subject = row.subject_id or ""
        data: Any
        try:
            if row.event == "session.completed":
                data = self.library.session_status(row.tenant_id, subject).model_dump(mode="json")
            else:
                data = self.library.job_status(row.tenant_id, subject).model_dump(mode="json")
        except NotFound:  # deleted since: the id is all there is to tell
            key = "session_id" if row.event == "session.completed" else "job_id"
            data = {key: subject}
        return event_body(row.event, data, row.created_at)

    def _post(self, url: str, message_id: str, body: bytes, sealed: str) -> int:
        if self.box is None:
            raise NotConfigured("IMAGELENS_SECRET_KEY is unset: webhook secrets cannot be read.")
        secret = self.box.open(sealed)
        checked, address = self.fetcher.resolve_blocking(url)
        target = httpx.URL(checked)
        timestamp = int(time.time())
        headers = {
            "Host": target.netloc.decode("ascii"),
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, message_id, timestamp, body),
        }
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        request = self._client.build_request(
            "POST",
            target.copy_with(host=str(address)),  # the address just checked, not a new lookup
            content=body,
            headers=headers,
            extensions=extensions,
        )
        response = self._client.send(request, stream=True)  # the answer's body is not read
        response.close()
        return response.status_code

    def _record(
        self, delivery_id: str, status: int | None, error: str | None, duration_ms: int
    ) -> None:
        now = utcnow()
        with self.db.session() as session:
            row = session.get(WebhookDelivery, delivery_id)
            if row is None or row.lease_owner != self.owner or row.status != PENDING:
                return  # deleted, or taken over after the lease ran out
            row.attempts += 1
            row.last_status, row.duration_ms = status, duration_ms
            row.last_error = error[:_ERROR_CHARS] if error else None
            row.lease_owner = row.lease_expires_at = None
            if error is None:
                row.status, row.delivered_at = DELIVERED, now
                return
            if (now - row.created_at).total_seconds() >= self.settings.retry_for:
                row.status = FAILED
                hook = session.get(Webhook, row.webhook_id)
                if hook is not None and hook.enabled:
                    hook.enabled = False
                    hook.disabled_reason = (
                        f"Disabled at {now.isoformat(timespec='seconds')}: delivery {row.id} "
                        f"failed for {self.settings.retry_for / 3600:g} h (last: {error})."
                    )[:_ERROR_CHARS]
                    log.warning("webhook disabled", extra={"webhook_id": row.webhook_id})
                return
            row.next_attempt_at = now + timedelta(seconds=self.backoff(row.attempts))

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try after ``attempts`` failed ones: exponential with
        jitter (half fixed, half random, so receivers coming back are not hit at once)."""
        ceiling = min(self.settings.max_backoff, self.settings.backoff * 2.0 ** (attempts - 1))
        return ceiling / 2 + ceiling / 2 * self._jitter()
