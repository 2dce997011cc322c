"""Objects written by requests whose database rows are not committed yet (in this process).

Originals are shared by content hash, so "delete the bytes when no row points at them" races
with an upload of the same bytes that has written the object but not yet committed its row.
Both sides hold the key here while they work; a delete or a clean-up after a failed insert
removes the object only when nobody else holds it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class PendingObjects:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders: Counter[str] = Counter()

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """Mark ``key`` as in use by the caller for the block."""
        with self._lock:
            self._holders[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders[key] -= 1
                if not self._holders[key]:
                    del self._holders[key]

    def held_by_others(self, key: str) -> bool:
        """Whether anyone besides the caller (who holds ``key`` once) holds it."""
        with self._lock:
            return self._holders[key] > 1
