"""Re-embedding an existing library: every analysed image whose vector of a kind is missing
or was made by another model than the current one.

Idempotent (an image with a current vector is not touched) and resumable (what is left is
read off the database, so a stopped run goes on where it stopped). Text vectors come from the
stored analysis alone; visual vectors need the original, decoded and run through the tagger.
``imagelens reindex`` runs it; the server runs the text part in the background at start when
there is anything to do (a new text model, or images analysed before vectors existed).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

from imagelens.db import Database
from imagelens.db.tables import Image
from imagelens.db.vectors import count_stale, stale_images
from imagelens.errors import ImageLensError
from imagelens.intake import Decoder
from imagelens.jobs.embeddings import TEXT, VISUAL, Embedder, Embedding, save_embeddings
from imagelens.jobs.originals import decode_stored
from imagelens.storage.tenants import TenantStores

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # kind, done, total


@dataclass
class ReindexReport:
    """What one run did, per kind: images embedded, and images that failed (left stale)."""

    embedded: dict[str, int]
    failed: dict[str, int]


def reindex_vectors(
    *,
    db: Database,
    embedder: Embedder,
    stores: TenantStores | None = None,
    decoder: Decoder | None = None,
    tenant_id: str | None = None,
    kinds: Collection[str] = (TEXT, VISUAL),
    batch: int = 32,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> ReindexReport:
    """Embed every analysed image (of ``tenant_id``, or all) whose vector of each of
    ``kinds`` is missing or stale. Visual vectors need ``stores`` and ``decoder``."""
    report = ReindexReport({}, {})
    for kind in kinds:
        model = embedder.text.version if kind == TEXT and embedder.text else None
        if kind == VISUAL:
            model = embedder.visual_model if stores is not None and decoder else None
        if model is None:
            continue
        done = failed = 0
        with db.session() as session:
            total = count_stale(session=session, kind=kind, model=model, tenant_id=tenant_id)
        after = ""
        while not (stop is not None and stop.is_set()):
            with db.session() as session:
                images = list(
                    stale_images(
                        session=session,
                        kind=kind,
                        model=model,
                        tenant_id=tenant_id,
                        after=after,
                        limit=batch,
                    )
                )
                session.expunge_all()
            if not images:
                break
            after = images[-1].id
            made: list[tuple[Image, Embedding]] = []
            for image in images:
                try:
                    item = _embed(kind, image, embedder, stores, decoder)
                except ImageLensError as exc:  # left stale: the next run tries it again
                    log.warning("reindex failed", extra={"image_id": image.id, "error": str(exc)})
                    failed += 1
                    continue
                if item is not None:
                    made.append((image, item))
            _save(db, made)
            done += len(images)
            if progress is not None:
                progress(kind, min(done, total), total)
        report.embedded[kind], report.failed[kind] = done - failed, failed
    return report


def _embed(
    kind: str,
    image: Image,
    embedder: Embedder,
    stores: TenantStores | None,
    decoder: Decoder | None,
) -> Embedding | None:
    if kind == TEXT:
        return embedder.text_embedding(image.result or {})
    assert stores is not None and decoder is not None
    store = stores.for_reading(image.tenant_id, image.storage_target)
    decoded = decode_stored(decoder, store, image.storage_key, max_bytes=image.size_bytes)
    model = embedder.visual_model or ""
    return Embedding(VISUAL, model, embedder.engine.visual_features(decoded))


def _save(db: Database, made: list[tuple[Image, Embedding]]) -> None:
    if not made:
        return
    with db.session() as session:
        existing = {
            i for (i,) in session.query(Image.id).filter(Image.id.in_([m.id for m, _ in made]))
        }
        for image, item in made:
            if image.id in existing:  # deleted meanwhile: nothing to attach the vector to
                save_embeddings(
                    session=session, image_id=image.id, tenant_id=image.tenant_id, embeddings=[item]
                )


def start_text_reindex(
    db: Database, embedder: Embedder, stop: threading.Event
) -> threading.Thread | None:
    """Re-embed stale text vectors in a background thread when there are any (a server's
    start after a model change); the thread, or None when there was nothing to do."""
    if embedder.text is None:
        return None
    with db.session() as session:
        stale = count_stale(session=session, kind=TEXT, model=embedder.text.version)
    if not stale:
        return None

    def run() -> None:
        try:
            report = reindex_vectors(db=db, embedder=embedder, kinds=(TEXT,), stop=stop)
        except Exception:  # a background chore: log it, never take the server down
            log.exception("background text reindex failed")
            return
        log.info("text vectors re-embedded", extra={"embedded": report.embedded.get(TEXT)})

    thread = threading.Thread(target=run, name="imagelens-reindex", daemon=True)
    thread.start()
    return thread
