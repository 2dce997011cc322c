"""What one no-op job and one async submission cost the database, counted statement by
statement (SQLite and PostgreSQL), so the job path and acceptance cannot creep back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from imagelens.config import Settings
from imagelens.db import Database
from imagelens.db.tables import Image, Job, Tenant, Webhook, WebhookDelivery
from imagelens.errors import QuotaExceeded
from imagelens.jobs import Lease
from imagelens.jobs.embeddings import Embedder
from imagelens.people import People
from imagelens.service.ingest import IngestRequest
from imagelens.storage import LocalStore
from tests.imagegen import encode, noise_photo
from tests.jobrig import fresh_database, job_rig
from tests.sqlcount import counting

TENANT = "counted"

# The budgets (statements, commits). A submission: the image with its dedupe claim, the
# quota upsert, the job, the search text. A no-op job: claim, image -> processing, finish +
# result + search text (embeddings are none here) + the tenant's webhooks (the outbox is
# written in the finish's transaction; an INSERT ... SELECT could fold this read in).
SUBMISSION = (4, 1)
NOOP_JOB = (6, 2)
READS = {"SELECT webhooks"}  # the only read a job may make


class NoFaces:
    """A face embedder that is never asked (no analyzer finds faces here)."""

    version = "never-used"

    def embed(self, *_args: object) -> None:
        raise AssertionError("not called")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with fresh_database(request.param, tmp_path / "counted.db", TENANT) as database:
        with database.session() as session:
            # Recognition on for the tenant: the job asks whether it is (the people hook).
            tenant = session.get(Tenant, TENANT)
            assert tenant is not None
            tenant.face_recognition = True
        yield database


def test_a_submission_and_a_noop_job_stay_within_their_statement_budgets(
    db: Database, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.faces.recognition = True
    with job_rig(db, settings, LocalStore(tmp_path / "objects")) as rig:
        ingestor = rig.ingestor
        runner = rig.runner(
            Lease("counted-host:1:x", 60),
            embedder=Embedder(rig.engine, None),
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
        # The statements bind their values: absent JSON stays SQL NULL (not JSON 'null', which
        # the face-vector cleanup's IS NOT NULL would match), times keep their zone and order.
        nulls = session.query(Job).filter(Job.error.is_(None), Job.result.is_(None)).count()
        assert nulls == len(images)
        assert session.query(Image).filter(Image.error.is_(None)).count() == len(images)
        for job in session.query(Job):
            assert job.started_at is not None and job.completed_at is not None
            assert job.created_at <= job.started_at <= job.completed_at
            assert job.attempts == 1 and job.lease_owner is None


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
    with job_rig(db, settings, LocalStore(tmp_path / "objects")) as rig:
        ingestor = rig.ingestor

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


def test_a_job_wakes_the_deliverer_only_when_it_wrote_deliveries(
    db: Database, tmp_path: Path
) -> None:
    """Each wake is a query for due deliveries: a tenant without webhooks causes none."""
    settings = Settings(data_dir=tmp_path)
    wakes: list[None] = []
    with job_rig(db, settings, LocalStore(tmp_path / "objects")) as rig:
        runner = rig.runner(Lease("counted-host:1:y", 60), embedder=Embedder(rig.engine, None))
        runner.on_outbox = lambda: wakes.append(None)

        def run_one(seed: int) -> None:
            data = encode(noise_photo(32, 32, seed=seed), "PNG")
            request = IngestRequest(tenant_id=TENANT, data=data, filename="w.png", decode=False)
            job_id = rig.ingestor.ingest(request).job_id
            assert job_id is not None and runner.run(job_id) is False

        run_one(200)
        assert wakes == []
        with db.session() as session:
            session.add(
                Webhook(
                    id="wh_counted",
                    tenant_id=TENANT,
                    url="https://example.com/hook",
                    events=["job.completed"],
                    secret_sealed="sealed",
                )
            )
        run_one(201)
        assert len(wakes) == 1
    with db.session() as session:
        assert session.query(WebhookDelivery).count() == 1
