"""Checking signed requests (the format: :mod:`imagelens.signature`) and making secrets.

A key created with ``signing: true`` gets a secret (shown once, kept sealed with
IMAGELENS_SECRET_KEY). A signed request is accepted within ``window`` seconds of the
server's clock, and its (key, nonce) pair once: a nonce seen before in that window is a
replay (remembered in Redis when configured, so every API process agrees, else in this
process). Every way a signature can fail to match a live signing key answers one message, so
a caller cannot tell an unknown key id from a real one.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

from imagelens.db import Database
from imagelens.db.tables import ApiKey
from imagelens.errors import InvalidSignature, NotConfigured
from imagelens.secretbox import SecretBox
from imagelens.service.auth import Principal, principal_of
from imagelens.signature import (
    KEY_ID_HEADER,
    KEY_ID_PATTERN,
    NONCE_HEADER,
    NONCE_PATTERN,
    SECRET_PREFIX,
    SIGNATURE_HEADER,
    SIGNATURE_PATTERN,
    TIMESTAMP_HEADER,
    TIMESTAMP_PATTERN,
    canonical_for_digest,
    sign,
)

log = logging.getLogger(__name__)

NO_MATCH = (
    "The request signature does not match a live signing key: sign the timestamp, nonce, "
    "method, path, query and body hash as docs/security.md describes, with the secret of a key "
    "created with signing (not revoked or expired)."
)
# Signs for an unknown key too, so that answer takes as long as a real key's mismatch.
_STAND_IN_SECRET = secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class SignedRequest:
    key_id: str
    timestamp: str
    nonce: str
    signature: str
    method: str
    path: str
    query: str
    body_sha256: str  # hex; the body itself is hashed as it arrives, never held whole


def check_shape(request: SignedRequest) -> None:
    """InvalidSignature unless every header has its documented form (before any look-up)."""
    shapes = (
        (KEY_ID_HEADER, KEY_ID_PATTERN, request.key_id, "a key id (a UUID)"),
        (TIMESTAMP_HEADER, TIMESTAMP_PATTERN, request.timestamp, "Unix seconds, digits only"),
        (NONCE_HEADER, NONCE_PATTERN, request.nonce, "16-64 characters of A-Z a-z 0-9 _ -"),
        (SIGNATURE_HEADER, SIGNATURE_PATTERN, request.signature, "64 hex digits"),
    )
    for header, pattern, value, form in shapes:
        if not value.isascii() or pattern.fullmatch(value) is None:
            raise InvalidSignature(f"{header} must be {form}.")


class RequestSigning:
    """Makes signing secrets and checks signed requests (blocking: call off the loop)."""

    def __init__(
        self,
        db: Database,
        box: SecretBox | None,
        window: float,
        redis: Redis | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.box = box
        self.window = window
        self.clock = clock
        self._nonces = SeenNonces(2 * window, redis, clock)

    def new_secret(self, key_id: str) -> tuple[str, str]:
        """A fresh secret for ``key_id`` and its sealed form, to store."""
        if self.box is None:
            raise NotConfigured(
                "Signing secrets need IMAGELENS_SECRET_KEY set on the server (it encrypts "
                "them at rest); create the key without signing, or set the setting."
            )
        secret = f"{SECRET_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        return secret, self.box.seal(secret)

    def precheck(self, request: SignedRequest) -> None:
        """What needs no body and no look-up: the headers' forms and the timestamp's window
        (checked before the body is read, so junk headers cost nothing)."""
        check_shape(request)
        skew = abs(self.clock() - int(request.timestamp))
        if skew > self.window:
            raise InvalidSignature(
                f"The signature's timestamp is {skew:.0f} s from the server's clock; requests "
                f"are accepted within {self.window:.0f} s. Sign again (and check the clock)."
            )

    def verify(self, request: SignedRequest) -> Principal:
        """The signing key's principal; InvalidSignature (401, 30002) for anything off."""
        self.precheck(request)
        with self.db.session() as session:
            row = session.get(ApiKey, request.key_id.lower())
            sealed = row.sealed_secret if row is not None else None
            principal = principal_of(row) if row is not None else None
        usable = principal is not None and not principal.expired
        secret = self.box.open(sealed) if usable and sealed and self.box else None
        message = canonical_for_digest(
            request.timestamp,
            request.nonce,
            request.method,
            request.path,
            request.query,
            request.body_sha256,
        )
        expected = sign(secret or _STAND_IN_SECRET, message)
        matches = hmac.compare_digest(expected.encode(), request.signature.lower().encode())
        if secret is None or principal is None or not matches:
            raise InvalidSignature(NO_MATCH)
        if not self._nonces.first_time(principal.key_id, request.nonce):
            raise InvalidSignature(
                "This nonce was already used with this key (a replay): sign again with a new "
                f"random {NONCE_HEADER}."
            )
        return principal


class SeenNonces:
    """(key, nonce) pairs accepted in the last ``ttl`` seconds: in Redis when configured
    (falling back to this process's memory while Redis does not answer), else in memory."""

    def __init__(self, ttl: float, redis: Redis | None, clock: Callable[[], float]) -> None:
        self.ttl = ttl  # twice the window: a timestamp may be that far in the future or past
        self.redis = redis
        self.clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()  # by expiry: the ttl is constant

    def first_time(self, key_id: str, nonce: str) -> bool:
        """Remember the pair; False when it was seen before within the ttl."""
        name = f"{key_id}:{nonce}"
        if self.redis is not None:
            try:
                key = f"imagelens:nonce:{name}"
                return bool(self.redis.set(key, 1, nx=True, ex=int(self.ttl) + 1))
            except RedisError:
                log.warning("signing: Redis unavailable; nonces kept in process", exc_info=True)
        now = self.clock()
        with self._lock:
            while self._order and self._order[0][0] <= now:
                expiry, old = self._order.popleft()
                if self._expiry.get(old) == expiry:
                    del self._expiry[old]
            if self._expiry.get(name, 0.0) > now:
                return False
            self._expiry[name] = now + self.ttl
            self._order.append((now + self.ttl, name))
            return True
