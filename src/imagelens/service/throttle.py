"""Failed authentications per client address: after ``per_minute`` failures in a minute, an
address is refused (429) until that minute is over, whatever key it sends.

A minute starts at an address's first failure (not on the wall clock), so the lock lasts at
most 60 s after it began, and only failures count: a key that works never adds to its
address's count. While an address is locked even a correct key is refused from it, because
answering a right guess differently from a wrong one would let a guesser go on at full
speed. Counted in memory (one process) or in Redis (every API process shares the count).
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60


class FailureThrottle(Protocol):
    per_minute: int

    def retry_after(self, address: str) -> int | None:
        """Seconds until ``address`` may try again; None when it may now (or it is off)."""
        ...

    def failed(self, address: str) -> None:
        """Count one failed authentication from ``address``."""
        ...


def address_key(host: str | None) -> str:
    """What one client is: its IPv4 address, or the /64 of an IPv6 one (a single host
    usually holds a whole /64, so counting addresses in it would count nothing)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(getattr(address, "ipv4_mapped", None) or address)


class MemoryFailureThrottle:
    """Failures per address in this process; ``clock`` (monotonic seconds) for tests."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[float, int]] = {}  # address -> (minute's end, failures)

    def retry_after(self, address: str) -> int | None:
        if self.per_minute <= 0:
            return None
        now = self.clock()
        with self._lock:
            end, failures = self._counts.get(address, (now, 0))
        if end <= now or failures < self.per_minute:
            return None
        return max(1, math.ceil(end - now))

    def failed(self, address: str) -> None:
        if self.per_minute <= 0:
            return
        now = self.clock()
        with self._lock:
            end, failures = self._counts.get(address, (now, 0))
            if end <= now:
                end, failures = now + WINDOW_SECONDS, 0
            self._counts[address] = (end, failures + 1)
            if len(self._counts) > 10_000:  # forget addresses whose minute is over
                self._counts = {a: v for a, v in self._counts.items() if v[0] > now}


class RedisFailureThrottle:
    """The same count in Redis, one key per address that expires with its minute. If Redis
    does not answer, attempts are let through (logged), as with the request rate limit."""

    def __init__(self, client: Redis, per_minute: int, prefix: str = "imagelens:authfail:") -> None:
        self.client = client
        self.per_minute = per_minute
        self.prefix = prefix

    def retry_after(self, address: str) -> int | None:
        if self.per_minute <= 0:
            return None
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.get(self.prefix + address)
            pipe.pttl(self.prefix + address)
            count, ttl_ms = pipe.execute()
        except RedisError:
            log.warning("auth throttle: Redis unavailable; attempt let through", exc_info=True)
            return None
        if count is None or int(count) < self.per_minute or int(ttl_ms) <= 0:
            return None
        return max(1, math.ceil(int(ttl_ms) / 1000))

    def failed(self, address: str) -> None:
        if self.per_minute <= 0:
            return
        name = self.prefix + address
        try:
            # One transaction: the key cannot expire between its creation and the INCR,
            # which would leave a count without an expiry.
            pipe = self.client.pipeline(transaction=True)
            pipe.set(name, 0, nx=True, ex=WINDOW_SECONDS)
            pipe.incr(name)
            pipe.execute()
        except RedisError:
            log.warning("auth throttle: Redis unavailable; failure not counted", exc_info=True)
