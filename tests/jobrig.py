"""Shared by the job tests (test_jobs.py, test_statement_counts.py): a fresh database with
one tenant, a queue that only records, and one process's ingestor and runners on them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from imagelens.config import Settings
from imagelens.db import Database, upgrade
from imagelens.db.keys import ensure_tenant
from imagelens.engine import Engine
from imagelens.engine.analyst import Analyst
from imagelens.engine.base import Analyzer
from imagelens.intake import DecodedImage, Decoder
from imagelens.jobs import JobRunner, Lease
from imagelens.jobs.embeddings import Embedder
from imagelens.metrics import Metrics
from imagelens.people import People
from imagelens.people.recognizer import FaceEmbedderLike
from imagelens.service.ingest import Ingestor
from imagelens.storage import LocalStore
from imagelens.storage.tenants import TenantStores
from tests.live import postgres_database


@contextlib.contextmanager
def fresh_database(kind: str, path: Path, tenant_id: str) -> Iterator[Database]:
    """A migrated database of ``kind`` ("sqlite" at ``path``, or "postgresql") holding
    ``tenant_id``; disposed of (and a PostgreSQL one dropped) after."""
    with contextlib.ExitStack() as stack:
        if kind == "sqlite":
            url = f"sqlite:///{path}"
        else:
            url = stack.enter_context(postgres_database())
        upgrade(url)
        database = Database(url)
        with database.session() as session:
            ensure_tenant(session=session, tenant_id=tenant_id)
        yield database
        database.dispose()


class RecordingQueue:
    """Stands in for the job queue: records the ids it is handed and runs nothing."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def start(self) -> int:
        return 0

    def submit(
        self, job_id: str, image: DecodedImage | None = None, *, waiting: bool = False
    ) -> None:
        del image, waiting
        self.submitted.append(job_id)

    def interrupt(self) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class JobRig:
    """One process's job path on ``db``: its ingestor submits to ``queue`` (which records),
    and :meth:`runner` makes runners that run the jobs with ``engine``."""

    db: Database
    stores: TenantStores
    decoder: Decoder
    engine: Engine
    analyst: Analyst
    queue: RecordingQueue
    ingestor: Ingestor

    def runner(
        self,
        lease: Lease,
        *,
        embedder: Embedder | None = None,
        people: People | None = None,
        face_embedder: FaceEmbedderLike | None = None,
    ) -> JobRunner:
        """A runner holding ``lease`` (a process's identity), on this rig's database."""
        return JobRunner(
            db=self.db,
            stores=self.stores,
            decoder=self.decoder,
            analyst=self.analyst,
            metrics=Metrics(),
            lease=lease,
            embedder=embedder,
            people=people,
            face_embedder=face_embedder,
        )


@contextlib.contextmanager
def job_rig(
    db: Database, settings: Settings, store: LocalStore, analyzers: Sequence[Analyzer] = ()
) -> Iterator[JobRig]:
    """A :class:`JobRig` on ``db`` and ``store`` whose engine runs only ``analyzers``."""
    stores = TenantStores(store, db, None)
    decoder = Decoder(settings.limits)
    queue = RecordingQueue()
    with Engine(settings, analyzers=analyzers) as engine:
        analyst = Analyst(engine, None)
        ingestor = Ingestor(
            settings=settings, decoder=decoder, db=db, stores=stores, queue=queue, analyst=analyst
        )
        yield JobRig(db, stores, decoder, engine, analyst, queue, ingestor)
