"""The face index: per tenant, the descriptors of its faces in one float32 matrix, searched
exactly by Euclidean distance (100k faces: one 128-wide matrix product, a few ms).

The database is the truth; a process keeps a copy per tenant, in step by the tenant's
:class:`~imagelens.people.store.Signature` read before each use, like the image vector index
(service/vectors.py), but from two counters on the tenant's row that triggers keep (faces
ever added, removed): one read by primary key, where a count of 100k faces costs 7-25 ms.
Faces are only inserted or deleted, never changed, so a refresh appends the faces created
since the copy's latest; when that does not account for the change (faces were deleted, or
one was committed late with an older timestamp) the live ids are read, the gone rows masked
and the missing ones fetched by id. The copy holds no person: who a face belongs
to is read from the database for the few nearest faces, so merges, renames and deletes never
invalidate it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from imagelens.people import store
from imagelens.people.store import Signature


@dataclass(eq=False)
class _Shard:
    """One tenant's faces: rows ``[0, size)`` of ``matrix``; dead rows are masked out."""

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

    def add(self, found: list[tuple[str, bytes, datetime]]) -> None:
        fresh = [(i, v, at) for i, v, at in found if i not in self.rows]
        for _, _, at in found:
            self.latest = at if self.latest is None or at > self.latest else self.latest
        if not fresh:
            return
        needed = self.size + len(fresh)
        if needed > self.matrix.shape[0]:
            capacity = max(needed, int(self.matrix.shape[0] * 1.5), 256)
            self.matrix = _grown(self.matrix, capacity, self.size)
            self.squares = _grown(self.squares, capacity, self.size)
            self.alive = _grown(self.alive, capacity, self.size)
        block = np.stack([store.from_bytes(v) for _, v, _ in fresh])
        end = self.size + len(fresh)
        self.matrix[self.size : end] = block
        self.squares[self.size : end] = np.einsum("ij,ij->i", block, block)
        self.alive[self.size : end] = True
        for offset, (face_id, _, _) in enumerate(fresh):
            self.ids.append(face_id)
            self.rows[face_id] = self.size + offset
        self.size = end

    def drop(self, gone: set[str]) -> None:
        for face_id in gone:
            row = self.rows.pop(face_id, None)
            if row is not None:
                self.alive[row] = False


def _grown(array: np.ndarray, capacity: int, size: int) -> np.ndarray:
    bigger = np.zeros((capacity, *array.shape[1:]), array.dtype)
    bigger[:size] = array[:size]
    return bigger


class FaceIndex:
    """The faces of each tenant made by one model; thread-safe (one lock per tenant)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._shards: dict[str, _Shard] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def nearest(
        self, session: Session, tenant_id: str, vectors: np.ndarray, k: int
    ) -> list[list[tuple[str, float]]]:
        """Per query row, the ``k`` nearest faces of the tenant: (face id, distance), nearest
        first. Brings the copy in step through ``session`` first (inside the assignment's
        lock, so it sees every face committed before the lock was taken)."""
        queries = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        with self._lock(tenant_id):
            shard = self._fresh(session, tenant_id)
            if shard.live == 0 or k <= 0:
                return [[] for _ in queries]
            size = shard.size
            # |a-b|^2 = |a|^2 + |b|^2 - 2ab: one matrix product for every face, then in place
            # (at 100k faces every temporary array costs about a millisecond).
            squared = queries @ shard.matrix[:size].T
            squared *= -2
            squared += shard.squares[:size]
            squared += np.einsum("ij,ij->i", queries, queries)[:, None]
            if shard.live != size:
                squared[:, ~shard.alive[:size]] = np.inf
            take = min(k, shard.live)
            found = []
            for row in squared:
                best = np.argpartition(row, take - 1)[:take]
                best = best[np.argsort(row[best], kind="stable")]
                found.append(
                    [
                        (shard.ids[i], float(np.sqrt(max(row[i], 0.0))))
                        for i in best
                        if np.isfinite(row[i])
                    ]
                )
            return found

    def size(self, tenant_id: str) -> int:
        """Faces held for the tenant (no refresh)."""
        shard = self._shards.get(tenant_id)
        return 0 if shard is None else shard.live

    def memory_bytes(self, tenant_id: str) -> int:
        """The copy's arrays (ids and their dict not counted)."""
        shard = self._shards.get(tenant_id)
        if shard is None:
            return 0
        return int(shard.matrix.nbytes + shard.squares.nbytes + shard.alive.nbytes)

    def forget(self, tenant_id: str | None = None) -> None:
        """Drop the copy of one tenant (or all); the next use loads it again."""
        with self._guard:
            if tenant_id is None:
                self._shards.clear()
            else:
                self._shards.pop(tenant_id, None)

    def _lock(self, tenant_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(tenant_id, threading.Lock())

    def _fresh(self, session: Session, tenant_id: str) -> _Shard:
        # The signature first: the rows read after it are at least as new (a change
        # committed in between shows in the next signature and is read then).
        now = store.signature(session=session, tenant_id=tenant_id)
        shard = self._shards.get(tenant_id)
        if shard is not None and shard.signature == now:
            return shard
        if shard is None or shard.latest is None:
            shard = _Shard(now)
            shard.add(store.read_faces(session=session, tenant_id=tenant_id, model=self.model))
        else:
            held = shard.live
            since = store.read_faces(
                session=session, tenant_id=tenant_id, model=self.model, since=shard.latest
            )
            shard.add(since)
            added = now.added - shard.signature.added
            if now.removed != shard.signature.removed or shard.live - held != added:
                # Deletions, a face committed late (older timestamp), or another model's.
                live = store.face_ids(session=session, tenant_id=tenant_id, model=self.model)
                shard.drop(set(shard.rows) - live)
                missing = list(live - set(shard.rows))
                for start in range(0, len(missing), 500):
                    shard.add(
                        store.read_faces(
                            session=session,
                            tenant_id=tenant_id,
                            model=self.model,
                            ids=missing[start : start + 500],
                        )
                    )
            if shard.size > 1024 and shard.live < shard.size // 2:  # mostly dead: rebuild
                shard = _Shard(now)
                shard.add(store.read_faces(session=session, tenant_id=tenant_id, model=self.model))
        shard.signature = now
        self._shards[tenant_id] = shard
        return shard
