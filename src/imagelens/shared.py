"""What API processes share: job events, rate limits, the key cache and the failed-
authentication throttle, in this process's memory, or in Redis when one is configured (then
every API process sees the same counts, keys and job completions)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis import Redis

from imagelens.config import Settings
from imagelens.jobs import JobWaiters
from imagelens.jobs.events import JobEvents, RedisJobEvents
from imagelens.service.keycache import KeyCache, MemoryKeyCache, RedisKeyCache
from imagelens.service.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from imagelens.service.throttle import (
    FailureThrottle,
    MemoryFailureThrottle,
    RedisFailureThrottle,
)


@dataclass(frozen=True)
class SharedState:
    """What API processes share: in memory for one process, in Redis when configured."""

    redis: Redis | None
    events: JobEvents
    limiter: RateLimiter
    keys: KeyCache
    throttle: FailureThrottle

    @classmethod
    def build(cls, settings: Settings, database_url: str) -> SharedState:
        per_minute = settings.quota.requests_per_minute
        failures = settings.auth_failures_per_minute
        if not settings.redis_url:
            return cls(
                None,
                JobWaiters(),
                MemoryRateLimiter(per_minute),
                MemoryKeyCache(),
                MemoryFailureThrottle(failures),
            )
        redis = Redis.from_url(settings.redis_url)
        # One namespace per database: deployments (or test runs) sharing a Redis never see
        # each other's counters, cached keys or job events.
        space = "imagelens:" + hashlib.sha256(database_url.encode()).hexdigest()[:12]
        return cls(
            redis,
            RedisJobEvents(redis, f"{space}:jobs-done"),
            RedisRateLimiter(redis, per_minute, prefix=f"{space}:rate:"),
            RedisKeyCache(redis, prefix=f"{space}:key:"),
            RedisFailureThrottle(redis, failures, prefix=f"{space}:authfail:"),
        )
