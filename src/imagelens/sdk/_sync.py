"""The sync client's machinery: an event loop on a daemon thread, and resource wrappers
whose methods run the async client's coroutines on it (one implementation of the logic)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
Inner = TypeVar("Inner")
Inner_co = TypeVar("Inner_co", covariant=True)


class Loop:
    """An event loop on a daemon thread; ``run`` blocks the caller until a coroutine ends."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="imagelens-sdk", daemon=True
        )
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, R]) -> R:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class Sync(Generic[Inner_co]):
    def __init__(self, inner: Inner_co, loop: Loop) -> None:
        self._inner = inner
        self._loop = loop


def blocking(
    method: Callable[Concatenate[Inner, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[Sync[Inner], P], R]:
    """The sync twin of an async resource method: same parameters, same logic."""

    def call(self: Sync[Inner], /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._loop.run(method(self._inner, *args, **kwargs))

    call.__doc__ = method.__doc__
    call.__name__ = getattr(method, "__name__", "call")
    return call
