"""The API's resources for the async client; the sync client runs these same coroutines."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter

from imagelens.sdk._core import Core
from imagelens.sdk.direct import DIRECT_THRESHOLD, direct_upload
from imagelens.sdk.errors import TimeoutError
from imagelens.sdk.search import Search
from imagelens.sdk.types import QuotaInfo, UploadResult
from imagelens.types import ContentCategory
from imagelens.types.api import (
    AnalyzeResponse,
    ApiKeyCreated,
    FileList,
    FileText,
    JobAccepted,
    JobProgress,
    JobResponse,
    Scope,
    SessionStatus,
)
from imagelens.types.api import (
    QuotaInfo as WireQuota,
)
from imagelens.types.api import UploadResult as WireUpload

ImageSource = str | Path | bytes
API = "/api/v2"
_ANALYZE: TypeAdapter[AnalyzeResponse] = TypeAdapter(AnalyzeResponse)
_JOB: TypeAdapter[JobResponse] = TypeAdapter(JobResponse)


def read_source(file: ImageSource, filename: str | None = None) -> tuple[str, bytes]:
    """(filename, bytes) of a path or of raw bytes."""
    if isinstance(file, bytes):
        return filename or "image", file
    path = Path(file)
    return filename or path.name, path.read_bytes()


def options(
    *,
    content_category: ContentCategory | str | None = None,
    skip_duplicates: bool | None = None,
    timeout: float | None = None,
    lang: str | None = None,
    ocr_languages: str | None = None,
    prompt: str | None = None,
    backend: str | None = None,
    custom_schema_id: str | None = None,
    storage_target: str | None = None,
) -> dict[str, str]:
    """Form fields for the analysis options that were given."""
    fields: dict[str, str] = {}
    if storage_target is not None:
        fields["storage_target"] = storage_target
    if backend is not None:
        fields["backend"] = backend
    if custom_schema_id is not None:
        fields["custom_schema_id"] = custom_schema_id
    if content_category is not None:
        fields["content_category"] = ContentCategory(content_category).value
    if skip_duplicates is not None:
        fields["skip_duplicates"] = "true" if skip_duplicates else "false"
    if timeout is not None:
        fields["timeout"] = str(timeout)
    if lang is not None:
        fields["lang"] = lang
    if ocr_languages is not None:  # "ru,en": the languages of the text (ISO 639-1)
        fields["ocr_languages"] = ocr_languages
    if prompt is not None:
        fields["prompt"] = prompt
    return fields


def _wait_budget(fields: dict[str, str]) -> float:
    # The server may hold a sync call for `timeout` seconds; allow that plus transfer time.
    return float(fields.get("timeout", 30)) + 30


class Images:
    def __init__(self, core: Core) -> None:
        self._core = core

    async def _send(
        self,
        path: str,
        file: ImageSource | None,
        url: str | None,
        b64: str | None,
        fields: dict[str, str],
        filename: str | None,
    ) -> bytes:
        given = sum(x is not None for x in (file, url, b64))
        if given != 1:
            raise ValueError("Pass exactly one of file, url= or base64=.")
        if file is not None:
            name, data = read_source(file, filename)
            response = await self._core.request(
                "POST",
                path,
                data=fields,
                files=[("file", (name, data))],
                timeout=_wait_budget(fields),
            )
        else:
            body: dict[str, object] = {**fields}
            if "skip_duplicates" in fields:
                body["skip_duplicates"] = fields["skip_duplicates"] == "true"
            if "timeout" in fields:
                body["timeout"] = float(fields["timeout"])
            body["url" if url is not None else "base64"] = url if url is not None else b64
            response = await self._core.request(
                "POST", path, json=body, timeout=_wait_budget(fields)
            )
        return response.content

    async def analyze(
        self,
        file: ImageSource | None = None,
        *,
        url: str | None = None,
        base64: str | None = None,
        content_category: ContentCategory | str | None = None,
        skip_duplicates: bool | None = None,
        timeout: float | None = None,
        lang: str | None = None,
        ocr_languages: str | None = None,
        prompt: str | None = None,
        backend: str | None = None,
        custom_schema_id: str | None = None,
        filename: str | None = None,
    ) -> AnalyzeResponse:
        """Analyse one image, waiting up to ``timeout`` s; check ``.status`` of the answer."""
        fields = options(
            content_category=content_category,
            skip_duplicates=skip_duplicates,
            timeout=timeout,
            lang=lang,
            ocr_languages=ocr_languages,
            prompt=prompt,
            backend=backend,
            custom_schema_id=custom_schema_id,
        )
        raw = await self._send(f"{API}/images/analyze", file, url, base64, fields, filename)
        return _ANALYZE.validate_json(raw)

    async def analyze_async(
        self,
        file: ImageSource | None = None,
        *,
        url: str | None = None,
        base64: str | None = None,
        content_category: ContentCategory | str | None = None,
        skip_duplicates: bool | None = None,
        lang: str | None = None,
        ocr_languages: str | None = None,
        prompt: str | None = None,
        filename: str | None = None,
    ) -> JobAccepted:
        """Queue one image; poll with ``jobs.get`` or ``jobs.wait``."""
        fields = options(
            content_category=content_category,
            skip_duplicates=skip_duplicates,
            lang=lang,
            ocr_languages=ocr_languages,
            prompt=prompt,
        )
        raw = await self._send(f"{API}/images/analyze/async", file, url, base64, fields, filename)
        return JobAccepted.model_validate_json(raw)


class Jobs:
    def __init__(self, core: Core) -> None:
        self._core = core

    async def get(self, job_id: str) -> JobResponse:
        response = await self._core.request("GET", f"{API}/job/{job_id}")
        return _JOB.validate_json(response.content)

    async def wait(
        self, job_id: str, *, timeout: float | None = None, poll_interval: float = 1.0
    ) -> JobResponse:
        """Poll until the job is completed or failed; TimeoutError after ``timeout`` s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = await self.get(job_id)
            if job.status != "processing":
                return job
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"Job {job_id} still processing after {timeout} s.")
            await asyncio.sleep(poll_interval)


@dataclass(frozen=True)
class FilePage:
    items: list[UploadResult]
    next_cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


ProgressCallback = Callable[[JobProgress], object]


class Files(Search):
    async def upload(
        self,
        file: ImageSource,
        *,
        content_category: ContentCategory | str | None = None,
        skip_duplicates: bool | None = None,
        timeout: float | None = None,
        lang: str | None = None,
        ocr_languages: str | None = None,
        prompt: str | None = None,
        backend: str | None = None,
        custom_schema_id: str | None = None,
        filename: str | None = None,
        storage_target: str | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        direct: bool | None = None,
    ) -> UploadResult:
        """Upload and analyse one image, waiting up to ``timeout`` s for the description.

        ``storage_target="custom"`` keeps the original in the tenant's own bucket
        (``client.settings.configure_custom_s3``); ``object_key`` then names it there.
        Files over 32 MB (or any, with ``direct=True``) go straight to storage in parts
        (POST /files/uploads), never through the API process; ``on_progress(sent, total)``
        hears the bytes as they go (``prompt``, ``backend`` and ``custom_schema_id`` need
        the ordinary upload)."""
        size = len(file) if isinstance(file, bytes) else Path(file).stat().st_size
        plain = prompt is None and backend is None and custom_schema_id is None
        if plain and (direct if direct is not None else size > DIRECT_THRESHOLD):
            given = {
                "content_category": ContentCategory(content_category).value
                if content_category is not None
                else None,
                "skip_duplicates": skip_duplicates,
                "lang": lang,
                "storage_target": storage_target,
            }
            content = await direct_upload(
                self._core,
                file if isinstance(file, bytes) else Path(file),
                filename=filename or ("image" if isinstance(file, bytes) else Path(file).name),
                fields={k: v for k, v in given.items() if v is not None},
                timeout=30.0 if timeout is None else timeout,
                on_progress=on_progress,
            )
            return UploadResult.from_wire(WireUpload.model_validate_json(content))
        name, data = read_source(file, filename)
        fields = options(
            content_category=content_category,
            skip_duplicates=skip_duplicates,
            timeout=timeout,
            lang=lang,
            ocr_languages=ocr_languages,
            prompt=prompt,
            backend=backend,
            custom_schema_id=custom_schema_id,
            storage_target=storage_target,
        )
        response = await self._core.request(
            "POST",
            f"{API}/files/upload",
            data=fields,
            files=[("file", (name, data))],
            timeout=_wait_budget(fields),
        )
        if on_progress is not None:
            on_progress(len(data), len(data))
        return UploadResult.from_wire(WireUpload.model_validate_json(response.content))

    async def list(
        self,
        *,
        q: str | None = None,
        tag: str | None = None,
        status: str | None = None,
        category: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
        person: str | None = None,
    ) -> FilePage:
        """One page of this tenant's images, newest first (``person``: only those a person
        of ``client.people`` appears in)."""
        given = {"q": q, "tag": tag, "status": status, "category": category, "cursor": cursor}
        given["person"] = person
        params: dict[str, str | int] = {k: v for k, v in given.items() if v is not None}
        params["limit"] = limit
        response = await self._core.request("GET", f"{API}/files", params=params)
        page = FileList.model_validate_json(response.content)
        return FilePage([UploadResult.from_wire(i) for i in page.items], page.next_cursor)

    async def get(self, image_id: str) -> UploadResult:
        response = await self._core.request("GET", f"{API}/files/{image_id}")
        return UploadResult.from_wire(WireUpload.model_validate_json(response.content))

    async def delete(self, image_id: str) -> None:
        await self._core.request("DELETE", f"{API}/files/{image_id}")

    async def content(self, image_id: str) -> bytes:
        return (await self._core.request("GET", f"{API}/files/{image_id}/content")).content

    async def thumbnail(self, image_id: str) -> bytes:
        return (await self._core.request("GET", f"{API}/files/{image_id}/thumbnail")).content

    async def text(self, image_id: str) -> FileText:
        response = await self._core.request("GET", f"{API}/files/{image_id}/text")
        return FileText.model_validate_json(response.content)

    async def describe(
        self,
        image_id: str,
        *,
        content_category: ContentCategory | str | None = None,
        lang: str | None = None,
        ocr_languages: str | None = None,
        prompt: str | None = None,
    ) -> JobAccepted:
        """Analyse a stored image again."""
        body = options(
            content_category=content_category,
            lang=lang,
            ocr_languages=ocr_languages,
            prompt=prompt,
        )
        response = await self._core.request("POST", f"{API}/files/{image_id}/describe", json=body)
        return JobAccepted.model_validate_json(response.content)

    async def get_session(self, session_id: str) -> SessionStatus:
        response = await self._core.request("GET", f"{API}/sessions/{session_id}")
        return SessionStatus.model_validate_json(response.content)

    async def wait_for_session(
        self,
        session_id: str,
        *,
        on_progress: ProgressCallback | None = None,
        timeout: float | None = None,
        poll_interval: float = 1.0,
    ) -> SessionStatus:
        """Poll a batch session until every file is settled, reporting progress as it moves."""
        deadline = None if timeout is None else time.monotonic() + timeout
        last: JobProgress | None = None
        while True:
            session = await self.get_session(session_id)
            if on_progress is not None and session.progress != last:
                on_progress(session.progress)
            last = session.progress
            if session.status != "processing":
                return session
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"Session {session_id} unfinished after {timeout} s.")
            await asyncio.sleep(poll_interval)


class Quota:
    def __init__(self, core: Core) -> None:
        self._core = core

    async def get(self, requested: int = 1) -> QuotaInfo:
        response = await self._core.request("GET", f"{API}/quota", params={"requested": requested})
        return QuotaInfo.from_wire(WireQuota.model_validate_json(response.content))


class Keys:
    def __init__(self, core: Core) -> None:
        self._core = core

    async def create(
        self,
        name: str,
        *,
        scopes: list[Scope] | None = None,
        tenant: str | None = None,
        expires_at: str | None = None,
        signing: bool = False,
    ) -> ApiKeyCreated:
        """Create an API key (admin: in its own tenant; operator: in ``tenant``, any tenant);
        the returned ``key`` (and, with ``signing``, the request-signing ``secret``) is shown
        only this once."""
        body: dict[str, object] = {"name": name}
        if signing:
            body["signing"] = True
        if scopes is not None:
            body["scopes"] = scopes
        if tenant is not None:
            body["tenant"] = tenant
        if expires_at is not None:
            body["expires_at"] = expires_at
        response = await self._core.request("POST", f"{API}/api-keys", json=body)
        return ApiKeyCreated.model_validate_json(response.content)
