"""The Standard Webhooks signature (https://www.standardwebhooks.com), shared by the server's
deliverer and the SDK's :func:`verify_webhook`.

A message carries ``webhook-id`` (the same on every retry: receivers drop duplicates by it),
``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``:
``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, keyed with the base64-decoded part
of the secret after ``whsec_``; several space-separated signatures may be sent during a
secret's rotation. Written by hand (a few lines over ``hmac``) so the SDK needs no extra
dependency; the tests check it against the ``standardwebhooks`` package.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300  # a message older or newer than this is refused (replays)


class WebhookVerificationError(ValueError):
    """The message is not signed with this secret, or too old to trust."""


def new_secret() -> str:
    """A fresh ``whsec_`` secret (24 random bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise WebhookVerificationError("The webhook secret is not whsec_<base64>.") from exc


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header for one attempt."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    now: float | None = None,
) -> None:
    """Raise WebhookVerificationError unless ``payload`` (the raw body) and ``headers`` are
    a message signed with ``secret`` within the last five minutes."""
    lower = {k.lower(): v for k, v in headers.items()}
    message_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp", "")
    signatures = lower.get("webhook-signature", "")
    if not message_id or not stamp.isdigit() or not signatures:
        raise WebhookVerificationError("Missing webhook-id, webhook-timestamp or signature.")
    if abs((time.time() if now is None else now) - int(stamp)) > TOLERANCE_SECONDS:
        raise WebhookVerificationError("The message's timestamp is too far from now.")
    body = payload.encode() if isinstance(payload, str) else payload
    expected = sign(secret, message_id, int(stamp), body)
    for candidate in signatures.split():
        if hmac.compare_digest(candidate.encode(), expected.encode()):
            return
    raise WebhookVerificationError("No signature matches the secret.")
