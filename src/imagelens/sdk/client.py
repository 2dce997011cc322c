"""``AsyncImageLens`` and ``ImageLens``: the async client, and a sync one that runs the very
same coroutines on a private event loop thread (one implementation of the logic)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

import httpx

from imagelens.sdk import resources, settings
from imagelens.sdk._core import Core
from imagelens.sdk.batch import upload_batch
from imagelens.sdk.errors import ImageLensAPIError
from imagelens.sdk.resources import ImageSource, ProgressCallback, options, read_source
from imagelens.sdk.search import BlockingSearch
from imagelens.sdk.types import BatchUploadResults, UploadResult
from imagelens.types import ContentCategory

P = ParamSpec("P")
R = TypeVar("R")
Inner = TypeVar("Inner")
Inner_co = TypeVar("Inner_co", covariant=True)


class AsyncFiles(resources.Files):
    def __init__(self, core: Core, quota: resources.Quota) -> None:
        super().__init__(core)
        self._quota = quota

    async def upload_batch(
        self,
        sources: ImageSource | Sequence[ImageSource],
        *,
        recursive: bool = True,
        include_hidden: bool = False,
        wait: bool = True,
        content_category: ContentCategory | str | None = None,
        skip_duplicates: bool | None = None,
        lang: str | None = None,
        ocr_languages: str | None = None,
        prompt: str | None = None,
        concurrency: int = 4,
        chunk_size: int | None = None,
        on_progress: ProgressCallback | None = None,
        timeout: float | None = None,
        storage_target: str | None = None,
        on_file_complete: Callable[[UploadResult], None] | None = None,
    ) -> BatchUploadResults:
        """Upload files and/or folders (up to 10,000), chunked to the server's batch limit.

        Folders keep supported images only (by their bytes); hidden entries are left out
        unless ``include_hidden``. With ``wait`` the call returns when every file is settled,
        reporting summed progress to ``on_progress``. One file's or one chunk's failure
        becomes that file's failed result; the others go on. ``on_file_complete`` is called
        once per file as its result becomes final (with ``wait``: when its chunk's session is
        done), on the client's event loop (the sync client's background thread).
        """
        fields = options(
            content_category=content_category,
            skip_duplicates=skip_duplicates,
            lang=lang,
            ocr_languages=ocr_languages,
            prompt=prompt,
            storage_target=storage_target,
        )
        return await upload_batch(
            self._core,
            self,
            self._quota,
            sources,
            fields=fields,
            recursive=recursive,
            include_hidden=include_hidden,
            wait=wait,
            concurrency=concurrency,
            chunk_size=chunk_size,
            on_progress=on_progress,
            timeout=timeout,
            on_file_complete=on_file_complete,
        )


class AsyncImageLens:
    """The async client. ``api_key``/``base_url`` default to ``IMAGELENS_API_KEY`` and
    ``IMAGELENS_BASE_URL``; errors are retried ``max_retries`` times with backoff. With
    ``secret`` (a key's signing secret, or ``IMAGELENS_SIGNING_SECRET``) every request is
    signed instead, and the key is not needed."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        secret: str | None = None,
    ) -> None:
        self._core = Core(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            transport=transport,
            secret=secret,
        )
        self.images = resources.Images(self._core)
        self.jobs = resources.Jobs(self._core)
        self.quota = resources.Quota(self._core)
        self.files = AsyncFiles(self._core, self.quota)
        self.keys = resources.Keys(self._core)
        self.settings = settings.Settings(self._core)

    @property
    def base_url(self) -> str:
        return self._core.base_url

    async def describe_image(self, image: ImageSource, prompt: str, lang: str = "en") -> str:
        """The describe-image endpoint: ``image`` is a path, bytes, an http(s) URL or base64;
        returns the markdown answer."""
        if isinstance(image, str) and not Path(image).is_file():
            parts = [("image", ("image", image.encode()))]  # a URL or base64 string
        else:
            name, data = read_source(image)
            parts = [("image", (name, data))]
        response = await self._core.request(
            "POST",
            "/api/openapi-v2/describe-image",
            data={"prompt": prompt, "lang": lang},
            files=parts,
        )
        body = response.json()
        content = body.get("data", {}).get("content") if isinstance(body, dict) else None
        if not isinstance(content, str):
            raise ImageLensAPIError("The describe-image answer has no content.", code="bad_body")
        return content

    async def close(self) -> None:
        await self._core.aclose()

    async def __aenter__(self) -> AsyncImageLens:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class _Loop:
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


class _Sync(Generic[Inner_co]):
    def __init__(self, inner: Inner_co, loop: _Loop) -> None:
        self._inner = inner
        self._loop = loop


def _blocking(
    method: Callable[Concatenate[Inner, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[_Sync[Inner], P], R]:
    """The sync twin of an async resource method: same parameters, same logic."""

    def call(self: _Sync[Inner], /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._loop.run(method(self._inner, *args, **kwargs))

    call.__doc__ = method.__doc__
    call.__name__ = getattr(method, "__name__", "call")
    return call


class Images(_Sync[resources.Images]):
    analyze = _blocking(resources.Images.analyze)
    analyze_async = _blocking(resources.Images.analyze_async)


class Jobs(_Sync[resources.Jobs]):
    get = _blocking(resources.Jobs.get)
    wait = _blocking(resources.Jobs.wait)


class Files(_Sync[AsyncFiles], BlockingSearch):
    upload = _blocking(AsyncFiles.upload)
    upload_batch = _blocking(AsyncFiles.upload_batch)
    list = _blocking(AsyncFiles.list)
    get = _blocking(AsyncFiles.get)
    delete = _blocking(AsyncFiles.delete)
    content = _blocking(AsyncFiles.content)
    thumbnail = _blocking(AsyncFiles.thumbnail)
    text = _blocking(AsyncFiles.text)
    similar = _blocking(AsyncFiles.similar)
    search_by_image = _blocking(AsyncFiles.search_by_image)
    describe = _blocking(AsyncFiles.describe)
    get_session = _blocking(AsyncFiles.get_session)
    wait_for_session = _blocking(AsyncFiles.wait_for_session)

    def _searcher(self) -> AsyncFiles:
        return self._inner

    def _run(self, coro: Coroutine[Any, Any, R]) -> R:
        return self._loop.run(coro)


class Quota(_Sync[resources.Quota]):
    get = _blocking(resources.Quota.get)


class Keys(_Sync[resources.Keys]):
    create = _blocking(resources.Keys.create)


class Settings(_Sync[settings.Settings]):
    configure_custom_s3 = _blocking(settings.Settings.configure_custom_s3)
    get_custom_s3 = _blocking(settings.Settings.get_custom_s3)
    remove_custom_s3 = _blocking(settings.Settings.remove_custom_s3)


class ImageLens:
    """The sync client: the async client's methods, blocking."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        secret: str | None = None,
    ) -> None:
        self._loop = _Loop()
        try:
            self._async = AsyncImageLens(
                api_key,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                transport=transport,
                secret=secret,
            )
        except BaseException:
            self._loop.stop()
            raise
        self.images = Images(self._async.images, self._loop)
        self.jobs = Jobs(self._async.jobs, self._loop)
        self.files = Files(self._async.files, self._loop)
        self.quota = Quota(self._async.quota, self._loop)
        self.keys = Keys(self._async.keys, self._loop)
        self.settings = Settings(self._async.settings, self._loop)

    @property
    def base_url(self) -> str:
        return self._async.base_url

    def describe_image(self, image: ImageSource, prompt: str, lang: str = "en") -> str:
        """See :meth:`AsyncImageLens.describe_image`."""
        return self._loop.run(self._async.describe_image(image, prompt, lang))

    def close(self) -> None:
        self._loop.run(self._async.close())
        self._loop.stop()

    def __enter__(self) -> ImageLens:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
