"""Search a tenant's library: full text, by meaning, or both fused (blocking; call off the
event loop).

``text`` ranks by the full-text index (db.fulltext); ``semantic`` by a :class:`SemanticIndex`
(text embeddings of each image's analysis, provided by the embedding side); ``hybrid`` fuses
both rankings by reciprocal rank fusion, ``score(d) = sum over rankings of 1 / (k + rank)``
with k = 60 (Cormack et al. 2009): robust to the two scores being on unrelated scales.
A cursor is the opaque rank offset of the next page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from imagelens.db import Database
from imagelens.db.ftsquery import parse
from imagelens.db.fulltext import TextHit, search_text
from imagelens.db.images import ImageFilter, filtered
from imagelens.db.tables import Image
from imagelens.errors import InvalidInput, NotConfigured
from imagelens.service.views import upload_view
from imagelens.types.api import SearchHit, SearchResults

RRF_K = 60
# How deep a fused (hybrid, semantic) ranking goes: pages past it come back empty.
MAX_FUSED_DEPTH = 1000


class SemanticIndex(Protocol):
    """Ranks a tenant's images by the meaning of a text query.

    ``rank`` returns up to ``limit`` (image id, cosine similarity) pairs of ``tenant_id``'s
    images only, best first; an image it has no vector for is simply absent. It is called
    from a worker thread and may block (embedding the query, reading vectors); it raises
    an ImageLensError (e.g. ModelUnavailable) when it cannot answer.
    """

    def rank(self, tenant_id: str, query: str, limit: int) -> list[tuple[str, float]]:
        """The tenant's images closest in meaning to ``query``, best first."""
        ...


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    SEMANTIC = "semantic"
    TEXT = "text"


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"rank|{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The rank offset a cursor stands for (0 for none)."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, offset = raw.split("|", 1)
        if kind == "rank" and offset.isdigit() and len(offset) <= 7:  # no deeper than 10^7
            return int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput(f"The cursor {cursor!r} is not one this server handed out.")


def fuse(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of ``rankings`` (image ids, best first), best first."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, image_id in enumerate(ranking, start=1):
            scores[image_id] = scores.get(image_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def search(
    *,
    db: Database,
    semantic: SemanticIndex | None,
    tenant_id: str,
    query: str,
    mode: SearchMode,
    filters: ImageFilter,
    limit: int,
    cursor: str | None,
) -> SearchResults:
    """One page of the tenant's images for ``query``, best first. Without a semantic index,
    ``hybrid`` is ``text`` and ``semantic`` raises NotConfigured."""
    offset = decode_cursor(cursor)
    if "\x00" in query:  # refused like NUL in any other value (db.engine), not searched
        raise InvalidInput("The query contains a NUL character (\\x00).")
    if mode is SearchMode.SEMANTIC and semantic is None:
        raise NotConfigured("Semantic search needs the text-embedding model; it is not set up.")
    if mode is SearchMode.TEXT or semantic is None:
        with db.session() as session:
            hits = search_text(
                session=session,
                tenant_id=tenant_id,
                query=parse(query),
                filters=filters,
                limit=limit + 1,
                offset=offset,
            )
            return _page(session, tenant_id, hits, offset, limit)
    depth = min(offset + limit + 1, MAX_FUSED_DEPTH)
    # Asked for more than the page: filters drop some, and fusion reorders the rest.
    meaning = semantic.rank(tenant_id, query, min(3 * depth, MAX_FUSED_DEPTH))
    with db.session() as session:
        texts: list[TextHit] = []
        if mode is SearchMode.HYBRID:
            texts = search_text(
                session=session,
                tenant_id=tenant_id,
                query=parse(query),
                filters=filters,
                limit=depth,
            )
        allowed = _allowed(session, tenant_id, [i for i, _ in meaning], filters)
        close = [(i, s) for i, s in meaning if i in allowed][:depth]
        if mode is SearchMode.SEMANTIC:
            fused = close
        else:
            fused = fuse([[h.image_id for h in texts], [i for i, _ in close]])[:depth]
        marks = {h.image_id: h.highlights for h in texts}
        hits = [TextHit(i, s, marks.get(i, [])) for i, s in fused[offset:]]
        return _page(session, tenant_id, hits, offset, limit, last=depth >= MAX_FUSED_DEPTH)


def _allowed(
    session: Session, tenant_id: str, image_ids: list[str], filters: ImageFilter
) -> set[str]:
    """Which of ``image_ids`` are the tenant's and pass ``filters``."""
    found: set[str] = set()
    for start in range(0, len(image_ids), 500):
        chunk = image_ids[start : start + 500]
        query = select(Image.id).where(Image.tenant_id == tenant_id, Image.id.in_(chunk))
        found.update(session.scalars(filtered(query, filters)))
    return found


def _page(
    session: Session,
    tenant_id: str,
    hits: list[TextHit],
    offset: int,
    limit: int,
    *,
    last: bool = False,
) -> SearchResults:
    """``hits`` (from ``offset`` on, one more than a page when there are more) as a page."""
    more = len(hits) > limit and not last
    hits = hits[:limit]
    ids = [h.image_id for h in hits]
    rows = {
        i.id: i
        for i in session.scalars(
            select(Image).where(Image.tenant_id == tenant_id, Image.id.in_(ids))
        )
    }
    items = [
        SearchHit.model_validate(
            upload_view(rows[h.image_id]).model_dump()
            | {"score": round(h.score, 6), "highlights": h.highlights}
        )
        for h in hits
        if h.image_id in rows  # deleted between the ranking and now
    ]
    return SearchResults(
        items=items,
        next_cursor=encode_cursor(offset + limit) if more else None,
        has_more=more,
    )
