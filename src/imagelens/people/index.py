"""The face index: per tenant, the descriptors of its faces in one float32 matrix, searched
exactly by Euclidean distance (100k faces: one 128-wide matrix-vector product, a few ms).

The database is the truth; a process keeps a copy per tenant, in step by the tenant's
:class:`~imagelens.people.store.Signature` read before each use, like the image vector index
(service/vectors.py), but from two counters on the tenant's row that triggers keep (faces
ever added, removed): one read by primary key, where a count of 100k faces costs 7-25 ms.
Faces are only inserted or deleted, never changed, so a refresh appends the faces created
since the copy's latest and drops those the triggers' removal log (``face_removals``) names
since the copy's removal count. The copy then holds as many faces as the counters say are
live, or (the log pruned, a face committed late with an older timestamp, another model's
faces) the live ids are read, the gone rows masked and the missing ones fetched by id. An
assignment tells the copy what it changed once committed (:meth:`FaceIndex.applied`), so the
next one finds it in step without reading. The copy holds no person: who a face belongs to is
read from the database for the few nearest faces, so merges, renames and deletes never
invalidate it.

Deleted faces leave nothing behind: a dropped row is zeroed at once, a tenant's copy is let
go (for an empty one) as soon as it holds no live face, and dropped (zeroed) when this process
learns the tenant withdrew its consent (:meth:`FaceIndex.forget`, called by
``People.enabled``) and when it went unused for ``idle_s`` (checked at any tenant's next
use), so a process that never serves the tenant again keeps no copy of its faces.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from sqlalchemy.orm import Session

from imagelens.people import sync
from imagelens.people.shard import Shard, search_shard
from imagelens.people.store import NewFace
from imagelens.people.sync import Signature

IDLE_S = 600.0  # a tenant's copy unused this long is dropped


class FaceIndex:
    """The faces of each tenant made by one model; thread-safe (one lock per tenant)."""

    def __init__(
        self, model: str, *, idle_s: float = IDLE_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.model = model
        self.idle_s = idle_s
        self._clock = clock
        self._shards: dict[str, Shard] = {}
        self._used: dict[str, float] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._next_sweep = clock() + idle_s / 10

    def nearest(
        self,
        session: Session,
        tenant_id: str,
        vectors: np.ndarray,
        k: int,
        *,
        signature: Signature | None = None,
    ) -> list[list[tuple[str, float]]]:
        """Per query row, the ``k`` nearest faces of the tenant: (face id, distance), nearest
        first. Brings the copy in step through ``session`` first (inside the assignment's
        lock, so it sees every face committed before), to ``signature`` where the caller has
        read it already."""
        with self._using(tenant_id):
            shard = self._fresh(session, tenant_id, signature)
            return search_shard(shard, vectors, k, ())

    def refresh(self, session: Session, tenant_id: str, signature: Signature) -> None:
        """Bring the tenant's copy in step with ``signature`` (the database as ``session``
        sees it)."""
        with self._using(tenant_id):
            self._fresh(session, tenant_id, signature)

    def search(
        self, tenant_id: str, vectors: np.ndarray, k: int, *, excluding: Collection[str] = ()
    ) -> list[list[tuple[str, float]]]:
        """Like :meth:`nearest` on the copy as it is (after :meth:`refresh`), never answering
        the faces of ``excluding``."""
        with self._using(tenant_id):
            shard = self._shards.get(tenant_id)
            if shard is None:
                return [[] for _ in np.atleast_2d(vectors)]
            return search_shard(shard, vectors, k, excluding)

    def applied(
        self,
        tenant_id: str,
        before: Signature,
        *,
        added: Sequence[NewFace],
        removed: Collection[str],
    ) -> None:
        """Record a committed assignment's own changes, made from ``before`` (its faces
        ``added``, those of its image ``removed``): if the copy was in step with ``before``,
        it is now in step with the counters the triggers moved by exactly those. Were others'
        removals counted in between, the next refresh finds the count off and reads the ids."""
        with self._using(tenant_id):
            shard = self._shards.get(tenant_id)
            if shard is None or shard.signature != before:
                return
            shard.drop(removed)
            shard.add([(face.id, face.vector, face.created_at) for face in added])
            shard.signature = Signature(before.added + len(added), before.removed + len(removed))
            self._keep(tenant_id, shard)

    def size(self, tenant_id: str) -> int:
        """Faces held for the tenant (no refresh)."""
        shard = self._shards.get(tenant_id)
        return 0 if shard is None else shard.live

    def held(self) -> set[str]:
        """The tenants whose copy this process holds."""
        with self._guard:
            return set(self._shards)

    def memory_bytes(self, tenant_id: str) -> int:
        """The copy's arrays (ids and their dict not counted)."""
        shard = self._shards.get(tenant_id)
        if shard is None:
            return 0
        return int(shard.matrix.nbytes + shard.squares.nbytes + shard.alive.nbytes)

    def forget(self, tenant_id: str | None = None) -> None:
        """Drop (and zero) the copy of one tenant (or all) under its lock, so no search in
        flight puts it back; the next use loads it again."""
        with self._guard:
            tenants = list(self._shards) if tenant_id is None else [tenant_id]
            tenants = [t for t in tenants if t in self._shards]
        for tenant in tenants:
            with self._lock(tenant):
                self._drop(tenant)

    def _drop(self, tenant_id: str) -> None:
        """Let the tenant's copy go; call holding its lock."""
        with self._guard:
            shard = self._shards.pop(tenant_id, None)
            self._used.pop(tenant_id, None)
        if shard is not None:
            shard.wipe()

    def _keep(self, tenant_id: str, shard: Shard) -> Shard:
        """Hold ``shard`` as the tenant's copy (the one held, returned); one left with no
        live face is let go for an empty one, in step all the same. Call holding the
        tenant's lock."""
        if shard.live == 0 and shard.size > 0:
            shard.wipe()
            shard = Shard(shard.signature)
        with self._guard:
            self._shards[tenant_id] = shard
        return shard

    @contextmanager
    def _using(self, tenant_id: str) -> Iterator[None]:
        """Hold the tenant's lock, marked as in use (first dropping the copies idle too
        long, at most every tenth of ``idle_s``)."""
        self._sweep()
        lock = self._lock(tenant_id)
        with lock:
            try:
                yield
            finally:
                with self._guard:
                    if tenant_id in self._shards:
                        self._used[tenant_id] = self._clock()

    def _sweep(self) -> None:
        now = self._clock()
        with self._guard:
            if now < self._next_sweep:
                return
            self._next_sweep = now + self.idle_s / 10
            idle = [t for t, at in self._used.items() if now - at >= self.idle_s]
            locks = [(t, self._locks[t]) for t in idle]
        for tenant, lock in locks:
            if lock.acquire(blocking=False):  # in use right now: not idle after all
                try:
                    with self._guard:
                        at = self._used.get(tenant)
                        still = at is not None and now - at >= self.idle_s
                    if still:
                        self._drop(tenant)
                finally:
                    lock.release()

    def _lock(self, tenant_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(tenant_id, threading.Lock())

    def _fresh(self, session: Session, tenant_id: str, now: Signature | None) -> Shard:
        # The signature first: the rows read after it are at least as new (a change
        # committed in between shows in the next signature and is read then).
        if now is None:
            now = sync.signature(session=session, tenant_id=tenant_id)
        shard = self._shards.get(tenant_id)
        if shard is not None and shard.signature == now:
            return shard
        held = now if shard is None else shard.signature
        if (
            shard is None
            or shard.latest is None
            or now.added < held.added
            or now.removed < held.removed
        ):
            shard = self._loaded(session, tenant_id, now)
        else:
            if now.added > held.added:
                shard.add(
                    sync.read_faces(
                        session=session, tenant_id=tenant_id, model=self.model, since=shard.latest
                    )
                )
            gone: list[str] | None = []
            if now.removed > held.removed:
                gone = sync.removals(
                    session=session, tenant_id=tenant_id, after=held.removed, upto=now.removed
                )
            if gone is not None:
                shard.drop(gone)
            if gone is None or shard.live != now.added - now.removed:
                # The log pruned, a face committed late (older timestamp), another model's.
                self._reconcile(session, tenant_id, shard)
            if shard.size > 1024 and shard.live < shard.size // 2:  # mostly dead: rebuild
                shard.wipe()
                shard = self._loaded(session, tenant_id, now)
        shard.signature = now
        return self._keep(tenant_id, shard)

    def _loaded(self, session: Session, tenant_id: str, now: Signature) -> Shard:
        shard = Shard(now)
        shard.add(sync.read_faces(session=session, tenant_id=tenant_id, model=self.model))
        return shard

    def _reconcile(self, session: Session, tenant_id: str, shard: Shard) -> None:
        """Match the copy to the live ids: drop the gone, fetch the missing."""
        live = sync.face_ids(session=session, tenant_id=tenant_id, model=self.model)
        shard.drop(set(shard.rows) - live)
        missing = list(live - set(shard.rows))
        for start in range(0, len(missing), 500):
            shard.add(
                sync.read_faces(
                    session=session,
                    tenant_id=tenant_id,
                    model=self.model,
                    ids=missing[start : start + 500],
                )
            )
