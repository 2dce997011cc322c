"""Runs one job: claim it, decode the stored bytes, analyse, persist the outcome.

Image jobs write their result on the image; describe jobs keep their markdown on the job and
drop their upload once done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from imagelens.db import Database
from imagelens.db.images import set_result
from imagelens.db.jobs import claim, finish
from imagelens.db.tables import Image, Job, utcnow
from imagelens.engine import AnalysisOptions
from imagelens.engine.analyst import Analyst
from imagelens.errors import AnalysisError, AnalysisTimeout, ImageLensError
from imagelens.intake import DecodedImage, Decoder
from imagelens.jobs.lease import Lease
from imagelens.metrics import Metrics
from imagelens.storage import ObjectStore, upload_key
from imagelens.storage.tenants import TenantStores
from imagelens.types import DescribeOptions, JobOptions, JobSpec, JobStatus, JobType

log = logging.getLogger(__name__)


def analysis_options(options: JobOptions) -> AnalysisOptions:
    """What the engine is asked for a job."""
    return AnalysisOptions(
        category=options.category,
        lang=options.lang,
        backend=options.backend,
        prompt=options.prompt,
        custom_schema=options.custom_schema,
        custom_hint=options.custom_hint,
    )


class JobRunner:
    """Everything one job does, independent of which queue called it."""

    def __init__(
        self,
        *,
        db: Database,
        stores: TenantStores,
        decoder: Decoder,
        analyst: Analyst,
        metrics: Metrics,
        lease: Lease,
        describe_timeout: float = 120.0,
        on_finished: Callable[[str], None] = lambda _job_id: None,
    ) -> None:
        self.db = db
        self.stores = stores
        self.decoder = decoder
        self.analyst = analyst
        self.metrics = metrics
        self.lease = lease
        self.describe_timeout = describe_timeout
        self.on_finished = on_finished

    def run(self, job_id: str, image: DecodedImage | None = None) -> None:
        """Run the job if it is still queued; never raises (the outcome goes to the database).

        ``image`` is the original already decoded by intake; without it the stored bytes are
        decoded here.
        """
        try:
            self._run(job_id, image)
        except Exception:  # the pool thread must survive anything, e.g. a database outage
            log.exception("job crashed", extra={"job_id": job_id})
        finally:
            self.on_finished(job_id)

    def _run(self, job_id: str, decoded: DecodedImage | None) -> None:
        with self.db.session() as session:
            job = claim(
                session=session,
                job_id=job_id,
                owner=self.lease.owner,
                lease=self.lease.seconds,
            )
            if job is None:
                return
            if job.job_type == JobType.DESCRIBE:
                describe = DescribeOptions.model_validate(job.options)
                waited = utcnow() - job.created_at
                target = None
            elif (target := _start_image(job, session)) is None:
                return
        if target is None:
            self._describe(job_id, describe, waited, decoded)
            return
        key, options, tenant_id, storage_target = target
        try:
            store = self.stores.get(tenant_id, storage_target)
        except ImageLensError as exc:  # the tenant's bucket was removed
            self._save(job_id, None, exc.to_dict())
            return
        self._analyze(job_id, store, key, options, decoded)

    def _analyze(
        self,
        job_id: str,
        store: ObjectStore,
        storage_key: str,
        options: AnalysisOptions,
        decoded: DecodedImage | None,
    ) -> None:
        result: dict[str, Any] | None = None
        error: dict[str, Any] | None = None
        try:
            if decoded is None:
                decoded = self.decoder.decode(store.get(storage_key))
            analysis = self.analyst.analyze(decoded, options)
            result = analysis.model_dump(mode="json")
            self.metrics.observe_stages(analysis.timings_ms)
        except ImageLensError as exc:
            error = exc.to_dict()
        except Exception as exc:  # a bug must fail the job, classified, not kill the worker
            error = AnalysisError(f"Unexpected {type(exc).__name__}: {exc}").to_dict()
        self._save(job_id, result, error)

    def _describe(
        self,
        job_id: str,
        options: DescribeOptions,
        waited: timedelta,
        decoded: DecodedImage | None,
    ) -> None:
        key = upload_key(job_id)
        result: dict[str, Any] | None = None
        error: dict[str, Any] | None = None
        try:
            if waited > timedelta(seconds=self.describe_timeout):  # its caller has given up
                raise AnalysisTimeout(
                    f"No worker took the describe-image call within {self.describe_timeout:g} s."
                )
            if decoded is None:
                decoded = self.decoder.decode(self.stores.default.get(key))
            result = {"content": self.analyst.describe(decoded, options.prompt, options.lang)}
        except ImageLensError as exc:
            error = exc.to_dict()
        except Exception as exc:
            error = AnalysisError(f"Unexpected {type(exc).__name__}: {exc}").to_dict()
        with self.db.session() as session:
            job = session.get(Job, job_id)
            if job is not None:
                job.result = result
                finish(job=job, error=error)
                self.metrics.jobs_finished.labels(status=job.status).inc()
        try:  # after the outcome is saved: a job re-run after a crash still finds its bytes
            self.stores.default.delete(key)
        except ImageLensError:
            log.warning("could not remove a describe upload", extra={"key": key}, exc_info=True)

    def _save(
        self, job_id: str, result: dict[str, Any] | None, error: dict[str, Any] | None
    ) -> None:
        with self.db.session() as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            image = session.get(Image, job.image_id) if job.image_id else None
            if image is None:
                finish(job=job, error=_gone())
            elif result is not None:
                set_result(image=image, result=result)
                finish(job=job, error=None)
            else:
                image.status, image.error = JobStatus.FAILED.value, error
                finish(job=job, error=error)
            self.metrics.jobs_finished.labels(status=job.status).inc()


def _start_image(job: Job, session: Session) -> tuple[str, AnalysisOptions, str, str | None] | None:
    """Mark a claimed image job's image as processing; its stored key, options, tenant and
    storage target, or None
    (the job is finished as failed) when the image was deleted while queued."""
    if job.image_id is None:
        return None
    # Rows written before JobOptions existed validate too (extra keys ignored).
    spec = JobSpec(
        job_id=job.id,
        tenant_id=job.tenant_id,
        image_id=job.image_id,
        options=JobOptions.model_validate(job.options),
    )
    image = session.get(Image, spec.image_id)
    if image is None:  # deleted while queued
        finish(job=job, error=_gone())
        return None
    image.status = JobStatus.PROCESSING.value
    return image.storage_key, analysis_options(spec.options), image.tenant_id, image.storage_target


def _gone() -> dict[str, Any]:
    return {"type": "not_found", "message": "The image was deleted.", "retryable": False}
