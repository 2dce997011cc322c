"""``AsyncImageLens`` and ``ImageLens``: the async client, and a sync one that runs the very
same coroutines on a private event loop thread (one implementation of the logic)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

from imagelens.sdk import people, resources, settings, webhooks
from imagelens.sdk._core import Core
from imagelens.sdk._sync import Loop, Sync, blocking
from imagelens.sdk.batch import upload_batch
from imagelens.sdk.errors import ImageLensAPIError
from imagelens.sdk.resources import ImageSource, ProgressCallback, options, read_source
from imagelens.sdk.search import BlockingSearch
from imagelens.sdk.types import BatchUploadResults, UploadResult
from imagelens.types import ContentCategory

R = TypeVar("R")


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
        self.people = people.People(self._core)
        self.faces = people.Faces(self._core)
        self.webhooks = webhooks.Webhooks(self._core)

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


class Images(Sync[resources.Images]):
    analyze = blocking(resources.Images.analyze)
    analyze_async = blocking(resources.Images.analyze_async)


class Jobs(Sync[resources.Jobs]):
    get = blocking(resources.Jobs.get)
    wait = blocking(resources.Jobs.wait)


class Files(Sync[AsyncFiles], BlockingSearch):
    upload = blocking(AsyncFiles.upload)
    upload_batch = blocking(AsyncFiles.upload_batch)
    list = blocking(AsyncFiles.list)
    get = blocking(AsyncFiles.get)
    delete = blocking(AsyncFiles.delete)
    content = blocking(AsyncFiles.content)
    thumbnail = blocking(AsyncFiles.thumbnail)
    text = blocking(AsyncFiles.text)
    similar = blocking(AsyncFiles.similar)
    search_by_image = blocking(AsyncFiles.search_by_image)
    describe = blocking(AsyncFiles.describe)
    get_session = blocking(AsyncFiles.get_session)
    wait_for_session = blocking(AsyncFiles.wait_for_session)

    def _searcher(self) -> AsyncFiles:
        return self._inner

    def _run(self, coro: Coroutine[Any, Any, R]) -> R:
        return self._loop.run(coro)


class Quota(Sync[resources.Quota]):
    get = blocking(resources.Quota.get)


class Keys(Sync[resources.Keys]):
    create = blocking(resources.Keys.create)


class Settings(Sync[settings.Settings]):
    configure_custom_s3 = blocking(settings.Settings.configure_custom_s3)
    get_custom_s3 = blocking(settings.Settings.get_custom_s3)
    remove_custom_s3 = blocking(settings.Settings.remove_custom_s3)
    faces = blocking(settings.Settings.faces)
    set_faces = blocking(settings.Settings.set_faces)


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
        self._loop = Loop()
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
        self.people = people.SyncPeople(self._async.people, self._loop)
        self.faces = people.SyncFaces(self._async.faces, self._loop)
        self.webhooks = webhooks.SyncWebhooks(self._async.webhooks, self._loop)

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
