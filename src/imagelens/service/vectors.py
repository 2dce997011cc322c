"""The vector index: per tenant and kind, a normalised float32 matrix searched exactly.

The database is the truth (``image_vectors``); each process holds a copy per tenant, loaded
on the first query and kept in step without any broadcast: every query first reads the
tenant's :class:`~imagelens.db.vectors.Signature` (row count and latest ``updated_at``, one
indexed aggregate). Unchanged: the copy answers. Changed: the rows updated since the copy's
latest are read and appended (or, when a row changed in place or rows went away, the copy is
rebuilt). So an API process sees a worker's new vectors at its next query, and a deleted
image (its rows go by ``ON DELETE CASCADE``) drops out the same way. Only vectors of the
current model are searched: another model's vectors live in another space.

Appends write past the rows a reader sees and publish the new size last, so searches never
wait for a refresh; a rebuild swaps in a new copy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from imagelens.db import Database
from imagelens.db.vectors import Signature, StoredVector, from_bytes, read_vectors, signature


@dataclass(eq=False)
class _Shard:
    """One tenant's vectors of one kind: rows ``[0, size)`` of ``matrix`` are live."""

    signature: Signature
    matrix: np.ndarray
    ids: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    others: set[str] = field(default_factory=set)  # rows of another model, not searched
    size: int = 0

    @property
    def stored(self) -> int:
        return self.size + len(self.others)


def unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    scaled: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return scaled


def top_k(
    matrix: np.ndarray, query: np.ndarray, limit: int, skip: int | None = None
) -> list[tuple[int, float]]:
    """Row numbers and cosine scores of the ``limit`` rows closest to ``query``, best first
    (``matrix`` rows and ``query`` of length 1; ``skip``: a row left out)."""
    if matrix.shape[0] == 0 or limit <= 0:
        return []
    scores = matrix @ unit(query)
    if skip is not None:
        scores[skip] = -np.inf
    k = min(limit, scores.shape[0])
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(i), float(scores[i])) for i in best if np.isfinite(scores[i])]


class VectorIndex:
    """A tenant's vectors of one ``kind`` made by the model ``model()`` names; thread-safe."""

    def __init__(self, db: Database, kind: str, model: Callable[[], str]) -> None:
        self.db = db
        self.kind = kind
        self._model = model
        self._shards: dict[str, _Shard] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def search(
        self, tenant_id: str, vector: np.ndarray, limit: int, *, exclude: str | None = None
    ) -> list[tuple[str, float]]:
        """The tenant's images closest to ``vector``: (image id, cosine score), best first."""
        shard = self.fresh(tenant_id)
        size = shard.size  # rows past it may be written while we read
        skip = shard.rows.get(exclude) if exclude is not None else None
        if skip is not None and skip >= size:  # written after we took the size
            skip = None
        found = top_k(shard.matrix[:size], vector, limit + (skip is not None), skip)
        return [(shard.ids[i], score) for i, score in found][:limit]

    def vector(self, tenant_id: str, image_id: str) -> np.ndarray | None:
        """An image's (normalised) vector as the index holds it, or None."""
        shard = self.fresh(tenant_id)
        row = shard.rows.get(image_id)
        return None if row is None or row >= shard.size else shard.matrix[row].copy()

    def fresh(self, tenant_id: str) -> _Shard:
        """The tenant's shard, brought in step with the database first."""
        with self.db.session() as session:
            now = signature(session=session, tenant_id=tenant_id, kind=self.kind)
        shard = self._shards.get(tenant_id)
        if shard is not None and shard.signature == now:
            return shard
        with self._lock(tenant_id):
            shard = self._shards.get(tenant_id)
            if shard is None or shard.signature != now:
                shard = self._refresh(tenant_id, shard, now)
                self._shards[tenant_id] = shard
            return shard

    def forget(self, tenant_id: str | None = None) -> None:
        """Drop the copy of one tenant (or all): the next query loads it again."""
        with self._guard:
            if tenant_id is None:
                self._shards.clear()
            else:
                self._shards.pop(tenant_id, None)

    def _lock(self, tenant_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(tenant_id, threading.Lock())

    def _refresh(self, tenant_id: str, shard: _Shard | None, now: Signature) -> _Shard:
        since = shard.signature.latest if shard is not None else None
        if shard is not None and since is not None and now.count >= shard.stored:
            with self.db.session() as session:
                rows = read_vectors(
                    session=session, tenant_id=tenant_id, kind=self.kind, since=since
                )
            grown = self._append(shard, rows)
            if grown is not None and grown.stored == now.count:
                # Only now: a reader comparing signatures must never take a shard that a
                # rebuild is about to replace.
                grown.signature = now
                return grown
        with self.db.session() as session:
            rows = read_vectors(session=session, tenant_id=tenant_id, kind=self.kind)
        built = self._append(_Shard(now, np.zeros((0, 0), np.float32)), rows)
        assert built is not None  # a new shard never needs a rebuild
        return built

    def _append(self, shard: _Shard, rows: Sequence[StoredVector]) -> _Shard | None:
        """``shard`` with ``rows`` added (in place where they are new); None when a row it
        already holds changed, which takes a rebuild."""
        model = self._model()
        fresh: list[tuple[str, np.ndarray]] = []
        for row in rows:
            if row.image_id in shard.rows or row.image_id in shard.others:
                if shard.size and _unchanged(shard, row, model):
                    continue  # read again because it shares the latest timestamp
                return None
            if row.model != model:
                shard.others.add(row.image_id)
            else:
                fresh.append((row.image_id, from_bytes(row.vector)))
        if fresh:
            block = unit(np.stack([v for _, v in fresh]))
            shard = _with_room(shard, len(fresh), block.shape[1])
            if shard.matrix.shape[1] != block.shape[1]:
                return None
            start = shard.size
            shard.matrix[start : start + len(fresh)] = block
            for offset, (image_id, _) in enumerate(fresh):
                shard.ids.append(image_id)
                shard.rows[image_id] = start + offset
            shard.size = start + len(fresh)  # published last: readers now see the rows
        return shard


def _unchanged(shard: _Shard, row: StoredVector, model: str) -> bool:
    if row.image_id in shard.others:
        return row.model != model
    at = shard.rows[row.image_id]
    return row.model == model and bool(
        np.allclose(shard.matrix[at], unit(from_bytes(row.vector)), atol=1e-3)
    )


def _with_room(shard: _Shard, extra: int, dim: int) -> _Shard:
    """``shard`` itself when its matrix has room for ``extra`` more rows, else a copy with a
    matrix half again as large (the old one stays intact for readers still using it)."""
    needed = shard.size + extra
    if shard.size == 0 and shard.matrix.shape[1] != dim:
        return _Shard(shard.signature, np.zeros((needed, dim), np.float32), others=shard.others)
    if needed <= shard.matrix.shape[0]:
        return shard
    capacity = max(needed, int(shard.matrix.shape[0] * 1.5), 64)
    matrix = np.zeros((capacity, shard.matrix.shape[1]), np.float32)
    matrix[: shard.size] = shard.matrix[: shard.size]
    return _Shard(
        shard.signature, matrix, list(shard.ids), dict(shard.rows), set(shard.others), shard.size
    )
