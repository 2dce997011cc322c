"""A short-lived cache of key lookups, so each request does not cost a database round trip:
in memory (one process), or in Redis (shared, so a revocation reaches every API process)."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from typing import Protocol

from redis import Redis
from redis.exceptions import RedisError

from imagelens.service.auth import Principal

log = logging.getLogger(__name__)


class KeyCache(Protocol):
    def get(self, key_hash: str) -> Principal | None: ...

    def put(self, key_hash: str, principal: Principal) -> None: ...

    def forget(self, key_id: str) -> None:
        """Drop a revoked key at once."""
        ...


class MemoryKeyCache:
    """key hash -> Principal for ``ttl`` seconds. A key revoked through this process is
    dropped at once; one revoked by another process stops working within ``ttl``."""

    def __init__(self, ttl: float = 30.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, key_hash: str) -> Principal | None:
        with self._lock:
            entry = self._entries.get(key_hash)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key_hash: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key_hash] = (time.monotonic() + self.ttl, principal)

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._entries = {h: e for h, e in self._entries.items() if e[1].key_id != key_id}


class RedisKeyCache:
    """key hash -> Principal in Redis for ``ttl`` seconds, plus key id -> hash so a key revoked
    through any process is dropped for all of them at once. If Redis does not answer, lookups
    go to the database (logged)."""

    def __init__(self, client: Redis, ttl: int = 30, prefix: str = "imagelens:key:") -> None:
        self.client = client
        self.ttl = ttl
        self.prefix = prefix

    def get(self, key_hash: str) -> Principal | None:
        try:
            raw = self.client.get(f"{self.prefix}hash:{key_hash}")
        except RedisError:
            log.warning("key cache: Redis unavailable", exc_info=True)
            return None
        if raw is None:
            return None
        data = json.loads(raw)
        expires = data["expires_at"]
        return Principal(
            data["key_id"],
            data["tenant_id"],
            frozenset(data["scopes"]),
            datetime.fromisoformat(expires) if expires else None,
        )

    def put(self, key_hash: str, principal: Principal) -> None:
        value = json.dumps(
            {
                "key_id": principal.key_id,
                "tenant_id": principal.tenant_id,
                "scopes": sorted(principal.scopes),
                "expires_at": principal.expires_at.isoformat() if principal.expires_at else None,
            }
        )
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.set(f"{self.prefix}hash:{key_hash}", value, ex=self.ttl)
            pipe.set(f"{self.prefix}id:{principal.key_id}", key_hash, ex=self.ttl)
            pipe.execute()
        except RedisError:
            log.warning("key cache: Redis unavailable", exc_info=True)

    def forget(self, key_id: str) -> None:
        try:
            key_hash = self.client.get(f"{self.prefix}id:{key_id}")
            names = [f"{self.prefix}id:{key_id}"]
            if key_hash is not None:
                text = key_hash.decode() if isinstance(key_hash, bytes) else str(key_hash)
                names.append(f"{self.prefix}hash:{text}")
            self.client.delete(*names)
        except RedisError:  # the row is gone; a cached copy lives at most ``ttl`` more
            log.error("key cache: could not drop a revoked key", extra={"key_id": key_id})
