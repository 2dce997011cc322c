"""What the people package hands out: plain frozen records, no rows and no vectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from imagelens.types import BBox


@dataclass(frozen=True, slots=True)
class PersonSummary:
    """A person as lists show it: the cover is the person's most confident x largest face
    on a still picture (a PDF's first page, not a video's frames); None without one."""

    person_id: str
    name: str | None
    face_count: int
    cover_image_id: str | None
    cover_bbox: BBox | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PeoplePage:
    items: list[PersonSummary]
    next_cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


@dataclass(frozen=True, slots=True)
class FaceMatch:
    """A person whose face is ``distance`` from the query (Euclidean, dlib descriptors);
    ``image_id`` holds that nearest face."""

    person_id: str
    name: str | None
    distance: float
    image_id: str


@dataclass(frozen=True, slots=True)
class StoredFace:
    """A stored face with its person's current name (the overlay for responses)."""

    face_id: str
    image_id: str
    person_id: str
    name: str | None
    bbox: BBox
    confidence: float
    page: int | None
    time_s: float | None
