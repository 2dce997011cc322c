"""What was wired onto the job path later: face search and compare, the people directory,
webhooks (the API's side and the sender) and direct uploads, with the chore that sweeps
expired uploads. Built by ``Services.build`` (core.py) from the parts it already made."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from imagelens.config import Settings
from imagelens.db import Database
from imagelens.intake import Decoder
from imagelens.intake.fetch import UrlFetcher
from imagelens.jobs import InProcessQueue
from imagelens.jobs.celery import CeleryQueue
from imagelens.people import People
from imagelens.secretbox import SecretBox
from imagelens.service.deliverer import Deliverer
from imagelens.service.direct import DirectUploads, local_root
from imagelens.service.faces import FaceQueries
from imagelens.service.ingest import Ingestor
from imagelens.service.library import Library
from imagelens.service.people import PeopleDirectory
from imagelens.service.webhooks import Webhooks
from imagelens.storage import ObjectStore
from imagelens.storage.localparts import LocalParts
from imagelens.storage.tenants import TenantStores

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Integrations:
    """Faces and people (recognition opt-in per server and tenant), webhooks and direct
    uploads (POST /files/uploads: bytes sent straight to storage)."""

    faces: FaceQueries
    people: PeopleDirectory
    webhooks: Webhooks
    deliverer: Deliverer
    direct: DirectUploads

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        db: Database,
        store: ObjectStore,
        stores: TenantStores,
        decoder: Decoder,
        queue: InProcessQueue | CeleryQueue,
        ingestor: Ingestor,
        library: Library,
        people: People,
        box: SecretBox | None,
        fetcher: UrlFetcher,
        owner: str,
    ) -> Integrations:
        """``owner``: this process's lease owner, which the webhook sender claims rows as."""
        faces = FaceQueries(
            db=db,
            store=store,
            decoder=decoder,
            queue=queue,
            people=people,
            settings=settings.faces,
        )
        deliverer = Deliverer(
            db=db,
            box=box,
            library=library,
            fetcher=fetcher,
            settings=settings.webhooks,
            owner=owner,
        )
        return cls(
            faces=faces,
            people=PeopleDirectory(
                db=db,
                people=people,
                faces=faces,
                stores=stores,
                decoder=decoder,
                spool=settings.spool_dir,
            ),
            webhooks=Webhooks(
                db=db,
                box=box,
                # With Celery the workers deliver; they look every few seconds.
                wake=deliverer.wake if settings.queue.kind != "celery" else lambda: None,
            ),
            deliverer=deliverer,
            direct=DirectUploads(
                settings=settings,
                db=db,
                stores=stores,
                ingestor=ingestor,
                parts=LocalParts(local_root(settings)),
            ),
        )


def sweep_uploads(direct: DirectUploads, stopping: threading.Event, interval: float) -> None:
    """Remove direct uploads never completed, once they expire (until ``stopping`` is set)."""
    while not stopping.wait(interval):
        try:
            direct.sweep()
        except Exception:  # a background chore: logged, retried at the next interval
            log.exception("sweeping expired direct uploads failed")
