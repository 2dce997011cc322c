"""Cursor pages for list calls that walk every page when iterated: ``async for item in page``
on the async client, ``for item in page`` on the sync one (its :class:`SyncPage`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, in the server's order, and the way to the next one."""

    items: list[T]
    next_cursor: str | None
    _fetch: Callable[[str], Awaitable[Page[T]]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None

    async def next_page(self) -> Page[T] | None:
        """The page after this one, or None on the last page."""
        if self.next_cursor is None or self._fetch is None:
            return None
        return await self._fetch(self.next_cursor)

    async def pages(self) -> AsyncIterator[Page[T]]:
        """This page, then each following page."""
        page: Page[T] | None = self
        while page is not None:
            yield page
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item


class SyncPage(Generic[T]):
    """A :class:`Page` for the sync client: ``for item in page`` walks every page."""

    def __init__(self, page: Page[T], run: Callable[[Coroutine[Any, Any, Any]], Any]) -> None:
        self._page = page
        self._run = run

    @property
    def items(self) -> list[T]:
        return self._page.items

    @property
    def next_cursor(self) -> str | None:
        return self._page.next_cursor

    @property
    def has_more(self) -> bool:
        return self._page.has_more

    def next_page(self) -> SyncPage[T] | None:
        """The page after this one, or None on the last page."""
        following: Page[T] | None = self._run(self._page.next_page())
        return None if following is None else SyncPage(following, self._run)

    def pages(self) -> Iterator[SyncPage[T]]:
        """This page, then each following page."""
        page: SyncPage[T] | None = self
        while page is not None:
            yield page
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items
