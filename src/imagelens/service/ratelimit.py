"""Requests per minute per key: a fixed window in memory (one process owns its counters)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


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


class RateLimiter:
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
            allowed = count < self.per_minute
            if allowed:
                count += 1
            self._windows[key] = (start, count)
            if len(self._windows) > 10_000:  # forget keys idle since an older window
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        reset = max(1, math.ceil(window + 60 - now))
        return RateDecision(allowed, self.per_minute, max(0, self.per_minute - count), reset)
