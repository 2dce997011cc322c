"""Recognising the faces of images stored before their tenant turned recognition on (or
before a new face model): ``imagelens faces backfill``.

Idempotent and resumable: an image is done once its ``faces_model`` is the current model
(set by :meth:`People.assign`, also for an image without faces), so a stopped run goes on
where it stopped and a second run finds nothing to do. Only tenants with recognition on are
read. A backfill looks at the picture an image shows (a PDF's first page); a re-analysis
reads every page, and recognises a video's faces on its key frames (videos are left to it).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from imagelens.db import Database
from imagelens.db.tables import Image, Tenant
from imagelens.engine import Engine
from imagelens.errors import ImageLensError, NotConfigured
from imagelens.intake import Decoder, ImageFormat
from imagelens.jobs.originals import decode_stored
from imagelens.people import People
from imagelens.people.recognizer import TenantRecognizer
from imagelens.storage.tenants import TenantStores
from imagelens.types import JobStatus

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # done, total
_VIDEOS = [f.value for f in ImageFormat if f.media_type == "video"]


@dataclass
class BackfillReport:
    images: int = 0  # recognised (with or without faces)
    faces: int = 0  # faces stored
    failed: int = 0  # left for the next run (unreadable original, store down...)


def backfill_faces(
    *,
    db: Database,
    people: People,
    engine: Engine,
    stores: TenantStores,
    decoder: Decoder,
    tenant_id: str | None = None,
    batch: int = 32,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> BackfillReport:
    """Recognise every analysed image of the tenants with recognition on (``tenant_id``:
    that one only) that the current face model has not seen."""
    if not people.server_enabled():
        raise NotConfigured(
            "Face recognition is off on this server: set IMAGELENS_FACES__RECOGNITION=true."
        )
    report = BackfillReport()
    total = _count(db, people.model, tenant_id)
    after = ""
    while not (stop is not None and stop.is_set()):
        with db.session() as session:
            images = list(session.scalars(_pending(people.model, tenant_id, after).limit(batch)))
            session.expunge_all()
        if not images:
            break
        after = images[-1].id
        for image in images:
            try:
                report.faces += _recognise(image, people, engine, stores, decoder)
                report.images += 1
            except ImageLensError as exc:  # never the face data: only which image failed
                log.warning("face backfill failed", extra={"image_id": image.id, "error": str(exc)})
                report.failed += 1
        if progress is not None:
            progress(min(report.images + report.failed, total), total)
    return report


def _recognise(
    image: Image, people: People, engine: Engine, stores: TenantStores, decoder: Decoder
) -> int:
    store = stores.for_reading(image.tenant_id, image.storage_target)
    decoded = decode_stored(decoder, store, image.storage_key, max_bytes=image.size_bytes)
    found = engine.find_faces(decoded)
    if decoded.document is not None:  # the first page, as an analysis would say
        found = [dataclasses.replace(f, page=1) for f in found]
    recognizer = TenantRecognizer(
        people, engine.face_embedder, tenant_id=image.tenant_id, image_id=image.id
    )
    return sum(ref is not None for ref in recognizer.recognize(found))


def _pending(model: str, tenant_id: str | None, after: str) -> Select[Image]:
    query = (
        select(Image)
        .join(Tenant, Tenant.id == Image.tenant_id)
        .where(
            Tenant.face_recognition.is_(True),
            Image.status == JobStatus.COMPLETED.value,
            # A video's faces are per key frame: its re-analysis recognises them.
            Image.format.not_in(_VIDEOS),
            or_(Image.faces_model.is_(None), Image.faces_model != model),
            Image.id > after,
        )
        .order_by(Image.id)
    )
    return query.where(Image.tenant_id == tenant_id) if tenant_id else query


def _count(db: Database, model: str, tenant_id: str | None) -> int:
    with db.session() as session:
        query = _pending(model, tenant_id, "").order_by(None).subquery()
        return int(session.scalar(select(func.count()).select_from(query)) or 0)
