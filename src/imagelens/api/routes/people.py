"""People: persons found by face recognition, named, merged, forgotten; their photos."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import Reader, ServicesDep, Writer
from imagelens.service.library import ImageFilter
from imagelens.types.api import FileList
from imagelens.types.people import PeopleList, PersonMerge, PersonOut, PersonUpdate

router = APIRouter(prefix="/people", tags=["people"])


@router.get("", response_model=PeopleList, operation_id="people-list")
async def list_people(
    principal: Reader,
    services: ServicesDep,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> PeopleList:
    """This tenant's people, most faces first; follow `next_cursor` for more."""
    return await run_in_threadpool(services.people.list, principal.tenant_id, limit, cursor)


@router.get("/{person_id}", response_model=PersonOut, operation_id="people-get")
async def get_person(person_id: str, principal: Reader, services: ServicesDep) -> PersonOut:
    """One person: name, how many faces, the cover face."""
    return await run_in_threadpool(services.people.get, principal.tenant_id, person_id)


@router.patch("/{person_id}", response_model=PersonOut, operation_id="people-update")
async def rename_person(
    person_id: str, body: PersonUpdate, principal: Writer, services: ServicesDep
) -> PersonOut:
    """Name a person (null forgets the name). Descriptions of new analyses use the name."""
    return await run_in_threadpool(
        services.people.rename, principal.tenant_id, person_id, body.name
    )


@router.post("/{person_id}/merge", response_model=PersonOut, operation_id="people-merge")
async def merge_people(
    person_id: str, body: PersonMerge, principal: Writer, services: ServicesDep
) -> PersonOut:
    """Fold the listed persons into this one: their faces become its faces."""
    return await run_in_threadpool(
        services.people.merge, principal.tenant_id, person_id, body.person_ids
    )


@router.delete("/{person_id}", status_code=204, operation_id="people-delete")
async def delete_person(person_id: str, principal: Writer, services: ServicesDep) -> Response:
    """Forget a person and delete their face vectors; the images stay."""
    await run_in_threadpool(services.people.delete, principal.tenant_id, person_id)
    return Response(status_code=204)


@router.get("/{person_id}/files", response_model=FileList, operation_id="people-files")
async def person_files(
    person_id: str,
    principal: Reader,
    services: ServicesDep,
    limit: int = Query(default=50, ge=1, le=500),
    cursor: str | None = Query(default=None, max_length=200),
) -> FileList:
    """The images this person appears in, newest first (like GET /files?person=)."""
    await run_in_threadpool(services.people.get, principal.tenant_id, person_id)  # 404 / 409
    return await run_in_threadpool(
        services.library.list_files,
        principal.tenant_id,
        ImageFilter(person=person_id),
        limit,
        cursor,
    )


@router.get("/{person_id}/cover", operation_id="people-cover")
async def person_cover(person_id: str, principal: Reader, services: ServicesDep) -> Response:
    """The person's cover face, cropped with a margin, as a WebP at most 160 px."""
    data = await run_in_threadpool(services.people.cover, principal.tenant_id, person_id)
    return Response(data, media_type="image/webp", headers={"Cache-Control": "private, no-cache"})
