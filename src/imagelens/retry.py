"""The one backoff policy, shared by the SDK (calls to imagelens) and the VLM client (calls to
a model server): honour a sane Retry-After, else 0.5 s doubling to 8 s with jitter."""

from __future__ import annotations

import random

INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
MAX_RETRY_AFTER = 60.0


def retry_delay(attempt: int, retry_after: float | None = None) -> float:
    """Seconds before try ``attempt + 1`` (``attempt`` counts from 0). Up to 25% jitter keeps
    clients that failed together from retrying in step."""
    if retry_after is not None and 0 <= retry_after <= MAX_RETRY_AFTER:
        return retry_after
    base = min(MAX_DELAY, INITIAL_DELAY * 2.0**attempt)
    return base * (1 - 0.25 * random.random())
