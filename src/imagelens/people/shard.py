"""One tenant's face descriptors in one float32 matrix, searched exactly by Euclidean
distance (the face index's copy per tenant, :mod:`imagelens.people.index`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from imagelens.people import store
from imagelens.people.sync import Signature


@dataclass(eq=False)
class Shard:
    """One tenant's faces: rows ``[0, size)`` of ``matrix``; a dead row's square norm is
    +inf, so its distance is too, with no mask to build per search."""

    signature: Signature
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, store.DIM), np.float32))
    squares: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    ids: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    size: int = 0
    latest: datetime | None = None

    @property
    def live(self) -> int:
        return len(self.rows)

    def add(self, found: Sequence[tuple[str, bytes | np.ndarray, datetime]]) -> int:
        """Append the faces not held yet; how many."""
        fresh = [(i, v, at) for i, v, at in found if i not in self.rows]
        for _, _, at in found:
            self.latest = at if self.latest is None or at > self.latest else self.latest
        if not fresh:
            return 0
        needed = self.size + len(fresh)
        if needed > self.matrix.shape[0]:
            capacity = max(needed, int(self.matrix.shape[0] * 1.5), 256)
            self.matrix = _grown(self.matrix, capacity, self.size)
            self.squares = _grown(self.squares, capacity, self.size)
            self.alive = _grown(self.alive, capacity, self.size)
        block = np.stack(
            [store.from_bytes(v) if isinstance(v, bytes) else v for _, v, _ in fresh]
        ).astype(np.float32, copy=False)
        end = self.size + len(fresh)
        self.matrix[self.size : end] = block
        self.squares[self.size : end] = np.einsum("ij,ij->i", block, block)
        self.alive[self.size : end] = True
        for offset, (face_id, _, _) in enumerate(fresh):
            self.ids.append(face_id)
            self.rows[face_id] = self.size + offset
        self.size = end
        return len(fresh)

    def drop(self, gone: Collection[str]) -> None:
        for face_id in gone:
            row = self.rows.pop(face_id, None)
            if row is not None:
                self.alive[row] = False
                self.squares[row] = np.inf
                self.matrix[row] = 0.0  # the descriptor gone from memory, not only masked

    def wipe(self) -> None:
        """Zero every descriptor (the copy is being let go)."""
        self.matrix[:] = 0.0
        self.rows.clear()


def _grown(array: np.ndarray, capacity: int, size: int) -> np.ndarray:
    bigger = np.zeros((capacity, *array.shape[1:]), array.dtype)
    bigger[:size] = array[:size]
    return bigger


def search_shard(
    shard: Shard, vectors: np.ndarray, k: int, excluding: Collection[str]
) -> list[list[tuple[str, float]]]:
    queries = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    hidden = [row for row in (shard.rows.get(f) for f in excluding) if row is not None]
    live = shard.live - len(hidden)
    if live <= 0 or k <= 0:
        return [[] for _ in queries]
    size = shard.size
    take = min(k, live)
    found = []
    for query in queries:
        # |a-b|^2 = |a|^2 + |b|^2 - 2ab: one matrix-vector product over every face, then in
        # place (at 100k faces every temporary array costs about a millisecond); dead rows'
        # +inf norms make their distances +inf.
        squared = shard.matrix[:size] @ query
        squared *= -2
        squared += shard.squares[:size]
        squared += float(query @ query)
        if hidden:
            squared[hidden] = np.inf
        best = np.argpartition(squared, take - 1)[:take]
        best = best[np.argsort(squared[best], kind="stable")]
        found.append(
            [
                (shard.ids[i], float(np.sqrt(max(squared[i], 0.0))))
                for i in best
                if np.isfinite(squared[i])
            ]
        )
    return found
