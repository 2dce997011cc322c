"""Full-text search rows: write an image's, rank a tenant's images for a query.

The words live in ``image_search`` (one row per analysed image, written with its result);
migration 0010 indexes them with FTS5 on SQLite and a weighted tsvector on PostgreSQL. The
query is rebuilt from quoted words (:mod:`imagelens.db.ftsquery`), so no user input is ever
query syntax. Scores are larger for better matches and comparable within one query only.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from imagelens.db.ftsquery import ParsedQuery, to_fts5, to_tsquery
from imagelens.db.images import ImageFilter, escape_like
from imagelens.db.tables import Image, ImageSearch
from imagelens.db.upsert import upsert

# The engines wrap matched words in these private-use characters; the snippet is then
# HTML-escaped and they become <mark> tags, so a "<mark>" in an image's own text stays text.
MARK, UNMARK = "\ue000", "\ue001"
# bm25 weights of the FTS5 columns: filename, description, tags, visible_text, extra.
_BM25 = "bm25(image_search_fts, 2.0, 4.0, 4.0, 1.5, 1.0)"
# Highlight columns, best first: (FTS5 column number, image_search column).
_SNIPPET_COLUMNS = ((1, "description"), (3, "visible_text"), (0, "filename"), (2, "tags"))
_MAX_HIGHLIGHTS = 2
# Analysis languages with a PostgreSQL stemmer; kept equal to migration 0010's.
PG_CONFIGS = {
    "en": "english",
    "de": "german",
    "es": "spanish",
    "fr": "french",
    "fi": "finnish",
    "nl": "dutch",
    "pt": "portuguese",
    "tr": "turkish",
    "ru": "russian",
}
_PG_ROW_CONFIG = (
    "(CASE s.lang "
    + " ".join(f"WHEN '{code}' THEN '{name}'" for code, name in PG_CONFIGS.items())
    + " ELSE 'simple' END)::regconfig"
)
# A query matches a word as typed ('simple') or as an English stem; documents carry both.
_PG_QUERY = "(to_tsquery('simple', :q) || to_tsquery('english', :q))"
_PG_HEADLINE = (
    f"StartSel={MARK}, StopSel={UNMARK}, MaxWords=18, MinWords=6, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)


@dataclass(frozen=True)
class SearchText:
    """What an image is found by, one field per indexed column (see ImageSearch)."""

    lang: str
    filename: str
    description: str
    tags: str
    visible_text: str
    extra: str


@dataclass(frozen=True)
class TextHit:
    image_id: str
    score: float
    highlights: list[str]


def write_search_text(*, session: Session, image: Image, words: SearchText) -> None:
    """Insert or replace the image's search row (in the caller's transaction)."""
    values = {
        "image_id": image.id,
        "tenant_id": image.tenant_id,
        "lang": words.lang,
        "filename": words.filename,
        "description": words.description,
        "tags": words.tags,
        "visible_text": words.visible_text,
        "extra": words.extra,
    }
    upsert(session, ImageSearch, values, ("image_id",))


def search_text(
    *,
    session: Session,
    tenant_id: str,
    query: ParsedQuery,
    filters: ImageFilter,
    limit: int,
    offset: int = 0,
) -> list[TextHit]:
    """The tenant's images matching ``query`` and ``filters``, best first, from ``offset``."""
    if query.empty:
        return []
    postgres = session.get_bind().dialect.name == "postgresql"
    where, params = _filters(filters)
    params |= {"tenant": tenant_id, "limit": limit, "offset": offset}
    if postgres:
        params["q"] = to_tsquery(query)
        sql = (
            f"SELECT s.image_id, ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', s.document, {_PG_QUERY}, 32)"
            f" AS score FROM image_search s JOIN images i ON i.id = s.image_id"
            f" WHERE s.tenant_id = :tenant AND s.document @@ {_PG_QUERY}{where}"
            " ORDER BY score DESC, s.image_id LIMIT :limit OFFSET :offset"
        )
    else:
        params["q"] = to_fts5(query)
        sql = (
            f"SELECT s.image_id, -{_BM25} AS score FROM image_search_fts"
            " JOIN image_search s ON s.id = image_search_fts.rowid"
            " JOIN images i ON i.id = s.image_id"
            f" WHERE image_search_fts MATCH :q AND s.tenant_id = :tenant{where}"
            " ORDER BY score DESC, s.image_id LIMIT :limit OFFSET :offset"
        )
    ids = [str(r[0]) for r in session.execute(text(sql), params)]
    if not ids:
        return []
    marks = _highlights(session, postgres, str(params["q"]), ids)
    # The score is the rank's, never bm25's: FTS5 computes bm25 from the whole table (every
    # tenant's rows), so its value would tell one tenant about another's words.
    return [TextHit(i, rank_score(offset + n), marks.get(i, [])) for n, i in enumerate(ids)]


def rank_score(rank: int) -> float:
    """A relevance score from a 0-based rank alone (higher is better, as RRF scores are)."""
    return round(1.0 / (60 + rank + 1), 6)


def _filters(filters: ImageFilter) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.tag:
        clauses.append("i.tags_index LIKE :tag ESCAPE '\\'")
        params["tag"] = f"%|{escape_like(filters.tag)}|%"
    if filters.status:
        clauses.append("i.status = :status")
        params["status"] = filters.status
    if filters.category:
        clauses.append("i.category = :category")
        params["category"] = filters.category
    if filters.person:
        clauses.append("i.id IN (SELECT f.image_id FROM faces f WHERE f.person_id = :person)")
        params["person"] = filters.person
    return "".join(f" AND {c}" for c in clauses), params


def _highlights(
    session: Session, postgres: bool, query: str, image_ids: Sequence[str]
) -> dict[str, list[str]]:
    """Snippets of the page's hits where the words matched (computed for the page only)."""
    if postgres:
        configs = {"filename": "'simple'", "tags": "'simple'"}
        columns = ", ".join(
            f"ts_headline({configs.get(c, _PG_ROW_CONFIG)}, s.{c}, {_PG_QUERY}, '{_PG_HEADLINE}')"
            for _n, c in _SNIPPET_COLUMNS
        )
        sql = f"SELECT s.image_id, {columns} FROM image_search s WHERE s.image_id IN :ids"
    else:
        columns = ", ".join(
            f"snippet(image_search_fts, {n}, '{MARK}', '{UNMARK}', ' … ', 16)"
            for n, _c in _SNIPPET_COLUMNS
        )
        sql = (
            f"SELECT s.image_id, {columns} FROM image_search_fts"
            " JOIN image_search s ON s.id = image_search_fts.rowid"
            " WHERE image_search_fts MATCH :q AND s.image_id IN :ids"
        )
    statement = text(sql).bindparams(bindparam("ids", expanding=True))
    rows = session.execute(statement, {"q": query, "ids": list(image_ids)})
    return {
        str(image_id): [_as_html(s) for s in snippets if s and MARK in s][:_MAX_HIGHLIGHTS]
        for image_id, *snippets in rows
    }


def _as_html(snippet: str) -> str:
    """The snippet as HTML text whose only tags are the <mark> around matched words."""
    escaped = html.escape(snippet, quote=True)
    return escaped.replace(MARK, "<mark>").replace(UNMARK, "</mark>")
