"""Checking signed requests (the format: :mod:`imagelens.signature`) and making secrets.

A key created with ``signing: true`` gets a secret (shown once, kept sealed with
IMAGELENS_SECRET_KEY). A signed request is accepted within ``window`` seconds of the
server's clock, and once: a signature seen before in that window is a replay (remembered in
Redis when configured, so every API process agrees, else in this process).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from redis import Redis

from imagelens.db import Database
from imagelens.db.tables import ApiKey
from imagelens.errors import InvalidSignature, NotConfigured
from imagelens.secretbox import SecretBox
from imagelens.service.auth import Principal, principal_of
from imagelens.signature import SECRET_PREFIX, TIMESTAMP_HEADER, canonical, sign


@dataclass(frozen=True, slots=True)
class SignedRequest:
    key_id: str
    timestamp: str
    signature: str
    method: str
    path: str
    query: str
    body: bytes


class RequestSigning:
    """Makes signing secrets and checks signed requests (blocking: call off the loop)."""

    def __init__(
        self, db: Database, box: SecretBox | None, window: float, redis: Redis | None = None
    ) -> None:
        self.db = db
        self.box = box
        self.window = window
        self._seen = _SeenSignatures(window, redis)

    def new_secret(self, key_id: str) -> tuple[str, str]:
        """A fresh secret for ``key_id`` and its sealed form, to store."""
        if self.box is None:
            raise NotConfigured(
                "Signing secrets need IMAGELENS_SECRET_KEY set on the server (it encrypts "
                "them at rest); create the key without signing, or set the setting."
            )
        secret = f"{SECRET_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        return secret, self.box.seal(secret)

    def verify(self, request: SignedRequest) -> Principal:
        """The signing key's principal; InvalidSignature (401, 30002) for anything off."""
        try:
            skew = abs(time.time() - float(request.timestamp))
        except ValueError:
            raise InvalidSignature(f"{TIMESTAMP_HEADER} must be Unix seconds.") from None
        if skew > self.window:
            raise InvalidSignature(
                f"The signature's timestamp is {skew:.0f} s from the server's clock; requests "
                f"are accepted within {self.window:.0f} s. Sign again (and check the clock)."
            )
        with self.db.session() as session:
            row = session.get(ApiKey, request.key_id)
            sealed = row.sealed_secret if row is not None else None
            principal = principal_of(row) if row is not None else None
        if principal is None or sealed is None or self.box is None or principal.expired:
            raise InvalidSignature(
                f"No signing key {request.key_id!r}: unknown, revoked, expired or created "
                "without signing."
            )
        expected = sign(
            self.box.open(sealed),
            canonical(request.timestamp, request.method, request.path, request.query, request.body),
        )
        if not hmac.compare_digest(expected, request.signature.lower()):
            raise InvalidSignature(
                "The request signature does not match: sign the method, path, query, "
                "timestamp and body hash as the README describes, with this key's secret."
            )
        if not self._seen.first_time(expected):
            raise InvalidSignature("This signed request was already used (a replay); sign again.")
        return principal


class _SeenSignatures:
    """Signatures accepted in the last ``window`` seconds."""

    def __init__(self, window: float, redis: Redis | None) -> None:
        self.window = window
        self.redis = redis
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}

    def first_time(self, signature: str) -> bool:
        # Twice the window: a timestamp may be up to `window` in the future or the past.
        ttl = 2 * self.window
        if self.redis is not None:
            return bool(self.redis.set(f"imagelens:sig:{signature}", 1, nx=True, ex=int(ttl) + 1))
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {s: t for s, t in self._seen.items() if t > now}
            if self._seen.get(signature, 0.0) > now:
                return False
            self._seen[signature] = now + ttl
            return True
