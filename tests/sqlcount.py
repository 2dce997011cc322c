"""Count the SQL statements and transactions an engine runs (SQLAlchemy's cursor events), so
a test or a benchmark can say what one job or one submission costs the database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    commits: int = 0
    checkouts: int = 0  # connections taken from the pool (PostgreSQL pings each one)

    def round_trips(self, *, pre_ping: bool) -> int:
        """What a networked database answers: each statement, each transaction's BEGIN and
        COMMIT, and with ``pre_ping`` the ping of each checkout (SQLite: none of this
        crosses a network)."""
        return len(self.statements) + 2 * self.commits + (self.checkouts if pre_ping else 0)

    def kinds(self) -> list[str]:
        """Each statement's first word and table, e.g. ``UPDATE jobs``: readable in a diff."""
        return [_kind(s) for s in self.statements]


@contextmanager
def counting(engine: Engine) -> Iterator[Counted]:
    """Every statement and commit ``engine`` runs inside the block (all threads)."""
    counted = Counted()
    lock = threading.Lock()

    def on_execute(*args: object) -> None:
        with lock:
            counted.statements.append(str(args[2]))

    def on_commit(_conn: object) -> None:
        with lock:
            counted.commits += 1

    def on_checkout(*_args: object) -> None:
        with lock:
            counted.checkouts += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    event.listen(engine.pool, "checkout", on_checkout)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)
        event.remove(engine.pool, "checkout", on_checkout)


def _kind(statement: str) -> str:
    words = statement.split()
    verb = words[0].upper() if words else ""
    table = ""
    for marker in ("INTO", "UPDATE", "FROM"):
        if marker in (w.upper() for w in words):
            upper = [w.upper() for w in words]
            table = words[upper.index(marker) + 1] if upper.index(marker) + 1 < len(words) else ""
            break
    return f"{verb} {table}".strip()


def measure_costs(url: str, data_dir: Path, runs: int = 5) -> dict[str, Any]:
    """Statements, commits and round trips of one async submission and one no-op job on the
    (migrated) database at ``url``, averaged over ``runs`` after a first one that warms up;
    the tenant has face recognition on, so the job's people hook asks for it."""
    from imagelens.config import Settings
    from imagelens.db import Database, upgrade
    from imagelens.db.keys import ensure_tenant
    from imagelens.engine import Engine as AnalysisEngine
    from imagelens.engine.analyst import Analyst
    from imagelens.intake import Decoder
    from imagelens.jobs import JobRunner, Lease
    from imagelens.jobs.embeddings import Embedder
    from imagelens.metrics import Metrics
    from imagelens.people import People
    from imagelens.service.ingest import Ingestor, IngestRequest
    from imagelens.storage import LocalStore
    from imagelens.storage.tenants import TenantStores
    from tests.imagegen import encode, noise_photo

    class _Queue:
        def submit(self, job_id: str, image: object = None, *, waiting: bool = False) -> None:
            del job_id, image, waiting

    class _NoFaces:
        version = "never-used"

    tenant_id = "sql-counted"
    upgrade(url)
    db = Database(url)
    settings = Settings(data_dir=data_dir)
    settings.faces.recognition = True
    with db.session() as session:
        ensure_tenant(session=session, tenant_id=tenant_id).face_recognition = True
    stores = TenantStores(LocalStore(data_dir / "counted"), db, None)
    decoder = Decoder(settings.limits)
    submissions: list[Counted] = []
    jobs: list[Counted] = []
    with AnalysisEngine(settings, analyzers=[]) as engine:
        analyst = Analyst(engine, None)
        ingestor = Ingestor(
            settings=settings,
            decoder=decoder,
            db=db,
            stores=stores,
            queue=_Queue(),  # type: ignore[arg-type]
            analyst=analyst,
        )
        runner = JobRunner(
            db=db,
            stores=stores,
            decoder=decoder,
            analyst=analyst,
            metrics=Metrics(),
            lease=Lease("counted-host:1:x", 60),
            embedder=Embedder(engine, None),
            people=People(db, settings.faces, _NoFaces.version),
            face_embedder=_NoFaces(),  # type: ignore[arg-type]
        )
        for i in range(runs + 1):
            data = encode(noise_photo(32, 32, seed=10_000 + i), "PNG")
            request = IngestRequest(
                tenant_id=tenant_id, data=data, filename=f"{i}.png", decode=False
            )
            with counting(db.engine) as submitted:
                job_id = ingestor.ingest(request).job_id
            assert job_id is not None
            with counting(db.engine) as ran:
                runner.run(job_id)
            if i:
                submissions.append(submitted)
                jobs.append(ran)
    db.dispose()

    pre_ping = not url.startswith("sqlite")  # as db/engine.py sets it

    def summary(counted: list[Counted]) -> dict[str, Any]:
        return {
            "sql_statements": sum(len(c.statements) for c in counted) / len(counted),
            "transactions": sum(c.commits for c in counted) / len(counted),
            "checkouts": sum(c.checkouts for c in counted) / len(counted),
            "round_trips": sum(c.round_trips(pre_ping=pre_ping) for c in counted) / len(counted),
            "statements": counted[-1].kinds(),
        }

    return {"per_submission": summary(submissions), "per_noop_job": summary(jobs)}
