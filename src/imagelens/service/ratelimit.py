"""Requests per minute per key in fixed wall-clock windows: counted in memory (one process)
or in Redis (every API process shares the counters, so a key's limit holds across them)."""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the window starts over

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimiter(Protocol):
    per_minute: int

    def hit(self, key: str) -> RateDecision | None:
        """Count one request of ``key``; None when limiting is off."""
        ...


def _decision(per_minute: int, count: int, window: int, now: float) -> RateDecision:
    reset = max(1, math.ceil(window + 60 - now))
    return RateDecision(count <= per_minute, per_minute, max(0, per_minute - count), reset)


class MemoryRateLimiter:
    """``per_minute`` requests per key in each wall-clock minute; 0 turns it off."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window start, count)

    def hit(self, key: str) -> RateDecision | None:
        if self.per_minute <= 0:
            return None
        now = time.time()
        window = int(now // 60) * 60
        with self._lock:
            start, count = self._windows.get(key, (window, 0))
            if start != window:
                start, count = window, 0
            count += 1
            self._windows[key] = (start, count)
            if len(self._windows) > 10_000:  # forget keys idle since an older window
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        return _decision(self.per_minute, count, window, now)


class RedisRateLimiter:
    """The same windows, counted with INCR in Redis: one counter per key and minute, shared
    by every API process, expiring with its window. If Redis does not answer, requests are
    let through (logged): the limit protects the service, it must not take it down."""

    def __init__(self, client: Redis, per_minute: int, prefix: str = "imagelens:rate:") -> None:
        self.client = client
        self.per_minute = per_minute
        self.prefix = prefix

    def hit(self, key: str) -> RateDecision | None:
        if self.per_minute <= 0:
            return None
        now = time.time()
        window = int(now // 60) * 60
        name = f"{self.prefix}{key}:{window}"
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.incr(name)
            pipe.expire(name, 61)
            count = int(pipe.execute()[0])
        except RedisError:
            log.warning("rate limiter: Redis unavailable; request let through", exc_info=True)
            return None
        return _decision(self.per_minute, count, window, now)
