"""Search for the async client: by words and meaning (pages you can iterate), look-alikes of a
stored image, and search by an image that is not stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, Literal

from imagelens.sdk._core import Core
from imagelens.sdk.pages import Page, SyncPage
from imagelens.sdk.types import SearchHit, SimilarImage
from imagelens.types.api import SearchResults, SimilarImages

API = "/api/v2"
SearchModeName = Literal["hybrid", "semantic", "text"]
SimilarMode = Literal["duplicate", "visual"]


class SearchPage(Page[SearchHit]):
    """One page of search hits, best first. ``async for hit in page`` (or ``for`` on the sync
    client's :class:`SyncSearchPage`) walks this page and every page after it."""


class SyncSearchPage(SyncPage[SearchHit]):
    """A :class:`SearchPage` for the sync client: ``for hit in page`` walks every page."""


def _page(raw: bytes, fetch: Callable[[str], Awaitable[SearchPage]] | None) -> SearchPage:
    wire = SearchResults.model_validate_json(raw)
    hits = [SearchHit.from_wire(item) for item in wire.items]
    return SearchPage(hits, wire.next_cursor if wire.has_more else None, fetch)


class Search:
    """The search calls, mixed into ``client.files``."""

    def __init__(self, core: Core) -> None:
        self._core = core

    async def search(
        self,
        query: str,
        *,
        mode: SearchModeName = "hybrid",
        limit: int | None = None,
        category: str | None = None,
        tag: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        person: str | None = None,
    ) -> SearchPage:
        """The tenant's images best matching ``query``, best first: ``hybrid`` fuses words
        and meaning, ``text`` is words only (stems, ``prefix*``, ``"phrases"``), ``semantic``
        meaning only. Iterate the page (``async for``) to walk every page."""
        given = {"mode": mode, "limit": limit, "category": category, "tag": tag, "status": status}
        given["person"] = person  # only images this person (client.people) appears in
        params: dict[str, str | int] = {k: v for k, v in given.items() if v is not None}
        params["query"] = query

        async def fetch(next_cursor: str) -> SearchPage:
            response = await self._core.request(
                "GET", f"{API}/search", params={**params, "cursor": next_cursor}
            )
            return _page(response.content, fetch)

        if cursor is not None:
            return await fetch(cursor)
        response = await self._core.request("GET", f"{API}/search", params=params)
        return _page(response.content, fetch)

    async def similar(
        self,
        image_id: str,
        *,
        mode: SimilarMode = "duplicate",
        limit: int = 10,
        max_distance: int | None = None,
    ) -> list[SimilarImage]:
        """Look-alikes of a stored image: ``duplicate`` (perceptual hash, ``distance`` in
        bits, within ``max_distance``) or ``visual`` (same kind of picture, ``score``)."""
        params: dict[str, str | int] = {"mode": mode, "limit": limit}
        if max_distance is not None:
            params["max_distance"] = max_distance
        response = await self._core.request("GET", f"{API}/files/{image_id}/similar", params=params)
        wire = SimilarImages.model_validate_json(response.content)
        return [SimilarImage.from_wire(item) for item in wire.items]

    async def search_by_image(
        self,
        image: str | Path | bytes | None = None,
        *,
        url: str | None = None,
        base64: str | None = None,
        limit: int | None = None,
        filename: str | None = None,
    ) -> list[SearchHit]:
        """The stored images that look most like ``image`` (a path or bytes; or ``url=`` /
        ``base64=``), best first; the query image itself is not stored."""
        params: dict[str, str | int] = {} if limit is None else {"limit": limit}
        if sum(x is not None for x in (image, url, base64)) != 1:
            raise ValueError("Pass exactly one of image, url= or base64=.")
        if image is not None:
            if isinstance(image, bytes):
                name, data = filename or "image", image
            else:
                name, data = filename or Path(image).name, Path(image).read_bytes()
            response = await self._core.request(
                "POST", f"{API}/search/image", params=params, files=[("file", (name, data))]
            )
        else:
            body = {"url": url} if url is not None else {"base64": base64}
            response = await self._core.request(
                "POST", f"{API}/search/image", params=params, json=body
            )
        return _page(response.content, None).items


class BlockingSearch:
    """``search`` for the sync client's files: the async call, then a page that blocks."""

    def _searcher(self) -> Search:
        raise NotImplementedError

    def _run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        raise NotImplementedError

    def search(
        self,
        query: str,
        *,
        mode: SearchModeName = "hybrid",
        limit: int | None = None,
        category: str | None = None,
        tag: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        person: str | None = None,
    ) -> SyncSearchPage:
        """See :meth:`Search.search`; ``for hit in page`` walks every page."""
        call = self._searcher().search(
            query,
            mode=mode,
            limit=limit,
            category=category,
            tag=tag,
            status=status,
            cursor=cursor,
            person=person,
        )
        return SyncSearchPage(self._run(call), self._run)
