"""Wire models of the People API (persons, face search and compare, the opt-in switch),
shared by the server and the SDK (no server imports)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from imagelens.types.analysis import BBox


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonOut(_Wire):
    """One person: a group of faces that recognition found to be the same person."""

    person_id: str
    name: str | None = None
    face_count: int
    cover_image_id: str | None = None
    cover_bbox: BBox | None = None
    created_at: datetime


class PeopleList(_Wire):
    items: list[PersonOut]
    next_cursor: str | None = None
    has_more: bool = False


class _Body(_Wire):
    """A request body: values of the declared type only (``0`` is no boolean), nothing else."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class PersonUpdate(_Body):
    """``PATCH /people/{id}``: a name, or null to forget it (the field is required: an
    empty body changes nothing by accident)."""

    name: str | None = Field(max_length=100)


class PersonMerge(_Body):
    """``POST /people/{id}/merge``: the persons folded into this one."""

    person_ids: list[str] = Field(min_length=1, max_length=100)


class FaceMatch(_Wire):
    """A known face close to a query face: whose it is, how close, and in which image."""

    person_id: str
    name: str | None = None
    distance: float
    image_id: str


class SearchedFace(_Wire):
    bbox: BBox
    matches: list[FaceMatch] = []


class FaceSearchResult(_Wire):
    """Who in the library each face of the query image is (best match first)."""

    faces: list[SearchedFace]


class ComparedFaces(_Wire):
    source_bbox: BBox
    target_bbox: BBox
    distance: float
    same_person: bool


class FaceCompareResult(_Wire):
    """Each source face with its closest target face, closest first."""

    matches: list[ComparedFaces]
    source_faces: int
    target_faces: int


class FaceSettings(_Wire):
    """Whether the tenant has face recognition on, and whether the server allows it."""

    recognition: bool
    server_enabled: bool = False


class FaceSettingsUpdate(_Body):
    recognition: bool
