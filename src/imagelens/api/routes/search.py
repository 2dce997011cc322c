"""Search: the tenant's images ranked for a query, by words, by meaning or both."""

from __future__ import annotations

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import Reader, ServicesDep
from imagelens.service.library import ImageFilter
from imagelens.service.search import SearchMode, search
from imagelens.types.api import SearchResults

router = APIRouter(prefix="/search", tags=["search"])


@router.get("", response_model=SearchResults, operation_id="search-query")
async def search_files(
    principal: Reader,
    services: ServicesDep,
    query: str = Query(min_length=1, max_length=1000),
    mode: SearchMode = SearchMode.HYBRID,
    limit: int = Query(default=20, ge=1, le=100),
    cursor: str | None = Query(default=None, max_length=200),
    category: str | None = Query(default=None, max_length=32),
    tag: str | None = Query(default=None, max_length=100),
    status: str | None = Query(
        default=None, pattern="^(pending|queued|processing|completed|failed)$"
    ),
    person: str | None = Query(default=None, max_length=40),
) -> SearchResults:
    """The tenant's images best matching `query`, best first, each with a `score` and the
    `highlights` where its words matched. `hybrid` (default) fuses full-text and semantic
    rankings; `text` is words only (stems, `prefix*`, `"phrases"`, `OR`, `-word`);
    `semantic` needs the text-embedding model. `person`: only images that person appears
    in. Follow `next_cursor` for more."""
    filters = ImageFilter(tag=tag, status=status, category=category, person=person)
    return await run_in_threadpool(
        lambda: search(
            db=services.db,
            semantic=services.semantic,
            tenant_id=principal.tenant_id,
            query=query,
            mode=mode,
            filters=filters,
            limit=limit,
            cursor=cursor,
        )
    )
