"""People and faces for the async client: the persons recognition grouped faces into (list,
name, merge, delete, their photos and cover crop), and who is in a picture that is not
stored (face search) or whether two pictures show the same person (compare).

Every call here needs face recognition on: the server with ``IMAGELENS_FACES__RECOGNITION=true``
(else :class:`~imagelens.sdk.errors.NotConfiguredError`, 501) and the tenant with
``client.settings.set_faces(recognition=True)`` (else
:class:`~imagelens.sdk.errors.ConflictError`, 409 ``face_recognition_disabled``; compare
needs only the server's switch)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from imagelens.sdk._core import Core
from imagelens.sdk._sync import Sync, blocking
from imagelens.sdk.pages import Page, SyncPage
from imagelens.sdk.resources import API, ImageSource, read_source
from imagelens.sdk.types import UploadResult
from imagelens.types.api import FileList
from imagelens.types.people import FaceCompareResult, FaceSearchResult, PeopleList, PersonOut


def _person(person_id: str) -> str:
    return f"{API}/people/{quote(person_id, safe='')}"


def _limits(limit: int | None, cursor: str | None) -> dict[str, str | int]:
    given = {"limit": limit, "cursor": cursor}
    return {k: v for k, v in given.items() if v is not None}


class People:
    """``client.people``: the tenant's persons, most faces first."""

    def __init__(self, core: Core) -> None:
        self._core = core

    async def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[PersonOut]:
        """One page of persons, most faces first; ``async for person in page`` walks them all."""

        async def fetch(next_cursor: str | None) -> Page[PersonOut]:
            params = _limits(limit, next_cursor)
            response = await self._core.request("GET", f"{API}/people", params=params)
            wire = PeopleList.model_validate_json(response.content)
            return Page(wire.items, wire.next_cursor if wire.has_more else None, fetch)

        return await fetch(cursor)

    async def get(self, person_id: str) -> PersonOut:
        response = await self._core.request("GET", _person(person_id))
        return PersonOut.model_validate_json(response.content)

    async def rename(self, person_id: str, name: str | None) -> PersonOut:
        """Name a person (``None`` forgets the name); names show in every analysis after."""
        response = await self._core.request("PATCH", _person(person_id), json={"name": name})
        return PersonOut.model_validate_json(response.content)

    async def merge(self, person_id: str, person_ids: Sequence[str]) -> PersonOut:
        """Fold ``person_ids`` into ``person_id`` (the one kept, with their faces)."""
        body = {"person_ids": list(person_ids)}
        response = await self._core.request("POST", f"{_person(person_id)}/merge", json=body)
        return PersonOut.model_validate_json(response.content)

    async def delete(self, person_id: str) -> None:
        """Forget a person and delete their face vectors; the images stay."""
        await self._core.request("DELETE", _person(person_id))

    async def files(
        self, person_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[UploadResult]:
        """The images a person appears in, newest first, paged like ``files.list``."""

        async def fetch(next_cursor: str | None) -> Page[UploadResult]:
            params = _limits(limit, next_cursor)
            response = await self._core.request("GET", f"{_person(person_id)}/files", params=params)
            wire = FileList.model_validate_json(response.content)
            items = [UploadResult.from_wire(item) for item in wire.items]
            return Page(items, wire.next_cursor if wire.has_more else None, fetch)

        return await fetch(cursor)

    async def cover(self, person_id: str) -> bytes:
        """The person's cover face, cropped with a margin (WebP, at most 160x160)."""
        return (await self._core.request("GET", f"{_person(person_id)}/cover")).content


class Faces:
    """``client.faces``: faces in pictures that are not stored (neither query is kept)."""

    def __init__(self, core: Core) -> None:
        self._core = core

    async def search(
        self,
        file: ImageSource | None = None,
        *,
        url: str | None = None,
        base64: str | None = None,
        limit: int | None = None,
        filename: str | None = None,
    ) -> FaceSearchResult:
        """Who in the library each face in the picture is: per face, the closest known
        faces within the same-person distance, best first (``file`` is a path or bytes;
        or ``url=`` / ``base64=``)."""
        if sum(x is not None for x in (file, url, base64)) != 1:
            raise ValueError("Pass exactly one of file, url= or base64=.")
        params: dict[str, str | int] = {} if limit is None else {"limit": limit}
        if file is not None:
            part = read_source(file, filename)
            response = await self._core.request(
                "POST", f"{API}/faces/search", params=params, files=[("file", part)]
            )
        else:
            body = {"url": url} if url is not None else {"base64": base64}
            response = await self._core.request(
                "POST", f"{API}/faces/search", params=params, json=body
            )
        return FaceSearchResult.model_validate_json(response.content)

    async def compare(self, source: ImageSource, target: ImageSource) -> FaceCompareResult:
        """Whether the faces in ``source`` are people in ``target``: each source face with
        its closest target face, closest first (``same_person`` and the distance)."""
        parts = [("source", read_source(source)), ("target", read_source(target))]
        response = await self._core.request("POST", f"{API}/faces/compare", files=parts)
        return FaceCompareResult.model_validate_json(response.content)


class SyncPeople(Sync[People]):
    """The sync client's ``people``: the async calls run to their end, and pages that fetch
    the next page when iterated."""

    get = blocking(People.get)
    rename = blocking(People.rename)
    merge = blocking(People.merge)
    delete = blocking(People.delete)
    cover = blocking(People.cover)

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> SyncPage[PersonOut]:
        """See :meth:`People.list`; ``for person in page`` walks every page."""
        return SyncPage(
            self._loop.run(self._inner.list(limit=limit, cursor=cursor)), self._loop.run
        )

    def files(
        self, person_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> SyncPage[UploadResult]:
        """See :meth:`People.files`; ``for image in page`` walks every page."""
        page = self._loop.run(self._inner.files(person_id, limit=limit, cursor=cursor))
        return SyncPage(page, self._loop.run)


class SyncFaces(Sync[Faces]):
    search = blocking(Faces.search)
    compare = blocking(Faces.compare)
