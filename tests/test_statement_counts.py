"""What one no-op job and one async submission cost the database, counted statement by
statement (SQLite and PostgreSQL), so the job path and acceptance cannot creep back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from imagelens.config import Settings
from imagelens.db import Database, upgrade
from imagelens.db.keys import ensure_tenant
from imagelens.db.tables import Image, Job, Tenant
from imagelens.engine import Engine
from imagelens.engine.analyst import Analyst
from imagelens.errors import QuotaExceeded
from imagelens.intake import DecodedImage, Decoder
from imagelens.jobs import JobRunner, Lease
from imagelens.jobs.embeddings import Embedder
from imagelens.metrics import Metrics
from imagelens.people import People
from imagelens.service.ingest import Ingestor, IngestRequest
from imagelens.storage import LocalStore
from imagelens.storage.tenants import TenantStores
from tests.imagegen import encode, noise_photo
from tests.sqlcount import counting

TENANT = "counted"

# The budgets (statements, commits). A submission: the image with its dedupe claim, the
# quota upsert, the job, the search text. A no-op job: claim, image -> processing, finish +
# result + search text (embeddings are none here) + the tenant's webhooks (the outbox is
# written in the finish's transaction; an INSERT ... SELECT could fold this read in).
SUBMISSION = (4, 1)
NOOP_JOB = (6, 2)
READS = {"SELECT webhooks"}  # the only read a job may make


class RecordingQueue:
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


class NoFaces:
    """A face embedder that is never asked (no analyzer finds faces here)."""

    version = "never-used"

    def embed(self, *_args: object) -> None:
        raise AssertionError("not called")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    from tests.live import postgres_database

    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'counted.db'}"
        else:
            url = stack.enter_context(postgres_database())
        upgrade(url)
        database = Database(url)
        with database.session() as session:
            ensure_tenant(session=session, tenant_id=TENANT)
            # Recognition on for the tenant: the job asks whether it is (the people hook).
            tenant = session.get(Tenant, TENANT)
            assert tenant is not None
            tenant.face_recognition = True
        yield database
        database.dispose()


def test_a_submission_and_a_noop_job_stay_within_their_statement_budgets(
    db: Database, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.faces.recognition = True
    stores = TenantStores(LocalStore(tmp_path / "objects"), db, None)
    decoder = Decoder(settings.limits)
    queue = RecordingQueue()
    with Engine(settings, analyzers=[]) as engine:
        analyst = Analyst(engine, None)
        ingestor = Ingestor(
            settings=settings, decoder=decoder, db=db, stores=stores, queue=queue, analyst=analyst
        )
        runner = JobRunner(
            db=db,
            stores=stores,
            decoder=decoder,
            analyst=analyst,
            metrics=Metrics(),
            lease=Lease("counted-host:1:x", 60),
            embedder=Embedder(engine, None),
            people=People(db, settings.faces, NoFaces.version),
            face_embedder=NoFaces(),  # type: ignore[arg-type]
        )
        images = [encode(noise_photo(32, 32, seed=i), "PNG") for i in range(3)]
        counts = []
        for i, png in enumerate(images):
            request = IngestRequest(tenant_id=TENANT, data=png, filename=f"{i}.png", decode=False)
            with counting(db.engine) as submitted:
                ingested = ingestor.ingest(request)
            assert ingested.job_id is not None
            with counting(db.engine) as ran:
                assert runner.run(ingested.job_id) is False
            counts.append((submitted, ran))
    for submitted, ran in counts[1:]:  # the first may warm caches
        assert len(submitted.statements) <= SUBMISSION[0], submitted.kinds()
        assert submitted.commits <= SUBMISSION[1], submitted.kinds()
        assert not any(s.startswith("SELECT") for s in submitted.kinds()), submitted.kinds()
        assert len(ran.statements) <= NOOP_JOB[0], ran.kinds()
        assert ran.commits <= NOOP_JOB[1], ran.kinds()
        assert {s for s in ran.kinds() if s.startswith("SELECT")} <= READS, ran.kinds()
    with db.session() as session:
        statuses = {job.status for job in session.query(Job)}
        assert statuses == {"completed"}
        assert {image.status for image in session.query(Image)} == {"completed"}


def test_the_quota_read_inside_the_upsert_still_refuses_past_the_tenants_own_limit(
    db: Database, tmp_path: Path
) -> None:
    """The tenant's own limit (not the server's default) holds, and the refusal names it."""
    settings = Settings(data_dir=tmp_path)
    settings.quota.monthly_analyses = 100
    with db.session() as session:
        tenant = session.get(Tenant, TENANT)
        assert tenant is not None
        tenant.monthly_quota = 2
    stores = TenantStores(LocalStore(tmp_path / "objects"), db, None)
    with Engine(settings, analyzers=[]) as engine:
        ingestor = Ingestor(
            settings=settings,
            decoder=Decoder(settings.limits),
            db=db,
            stores=stores,
            queue=RecordingQueue(),
            analyst=Analyst(engine, None),
        )

        def upload(i: int) -> None:
            data = encode(noise_photo(32, 32, seed=100 + i), "PNG")
            request = IngestRequest(tenant_id=TENANT, data=data, filename="q.png", decode=False)
            ingestor.ingest(request)

        upload(1)
        upload(2)
        with pytest.raises(QuotaExceeded) as refused:
            upload(3)
    assert refused.value.details == {"monthly_limit": 2}
    with db.session() as session:
        assert session.query(Job).count() == 2
