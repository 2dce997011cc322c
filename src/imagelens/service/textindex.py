"""Rebuild search rows from stored results: for images analysed before search existed, and
after a change to what is indexed (``imagelens reindex``; missing rows also at each start).

Idempotent (a row is replaced, never doubled) and resumable: batches commit one by one in
image-id order, so a run stopped half-way leaves whole batches done, and the next run with
``missing_only`` picks up exactly what is left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from imagelens.db import Database
from imagelens.db.fulltext import write_search_text
from imagelens.db.tables import Image, ImageSearch
from imagelens.engine.describe.searchtext import search_text_of

log = logging.getLogger(__name__)

BATCH = 200
Progress = Callable[[int, int], None]  # (images done, images to do)


def _candidates(tenant_id: str | None, missing_only: bool) -> list[ColumnElement[bool]]:
    # An image has had a result once its description is set (set_result), and keeps it.
    where: list[ColumnElement[bool]] = [Image.description.is_not(None)]
    if tenant_id is not None:
        where.append(Image.tenant_id == tenant_id)
    if missing_only:
        where.append(~exists().where(ImageSearch.image_id == Image.id))
    return where


def missing_text_rows(db: Database) -> bool:
    """Whether any analysed image lacks its search row (one indexed probe, cheap)."""
    with db.session() as session:
        probe = select(Image.id).where(*_candidates(None, True)).limit(1)
        return session.scalar(probe) is not None


def reindex_text(
    db: Database,
    *,
    tenant_id: str | None = None,
    missing_only: bool = False,
    batch_size: int = BATCH,
    on_progress: Progress | None = None,
) -> int:
    """(Re)write the search rows of analysed images (one tenant's, or all), ``batch_size``
    per transaction; ``missing_only``: only images without one. Returns how many were
    written; ``on_progress`` hears (done, total) after each batch."""
    where = _candidates(tenant_id, missing_only)
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(Image).where(*where)) or 0
    done, after = 0, ""
    while True:
        try:
            written, after = _batch(db, where, after, batch_size)
        except IntegrityError:  # another process wrote one of these rows first: go again
            written, after = _batch(db, where, after, batch_size)
        if not written:
            break
        done += written
        if on_progress is not None:
            on_progress(done, max(total, done))
    if done:
        log.info("search rows rebuilt", extra={"count": done, "tenant_id": tenant_id})
    return done


def _batch(
    db: Database, where: list[ColumnElement[bool]], after: str, size: int
) -> tuple[int, str]:
    """Write one batch of rows after image id ``after``: (rows written, last id)."""
    with db.session() as session:
        images = list(
            session.scalars(
                select(Image).where(Image.id > after, *where).order_by(Image.id).limit(size)
            )
        )
        for image in images:
            _write(session, image)
    return len(images), images[-1].id if images else after


def _write(session: Session, image: Image) -> None:
    if image.result:
        words = search_text_of(image.filename, image.result)
        write_search_text(session=session, image=image, words=words)
