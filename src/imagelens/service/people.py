"""People: the persons recognition grouped a tenant's faces into, their names, merges and
face crops, and the tenant's opt-in switch. Blocking; call off the event loop.

Recognition is off until the server allows it (IMAGELENS_FACES__RECOGNITION) and an admin
of the tenant turns it on; turning it off deletes every face vector and person of the
tenant (people/). Face crops are cut from the stored original on request and kept only in
this process's memory (a small LRU whose entries live at most ``COVER_TTL_S``, and that
drops a tenant's as soon as this process sees its consent withdrawn), never written to a
store: a forgotten person leaves no picture of their face behind for long.
"""

from __future__ import annotations

import io
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image as PILImage

from imagelens.db import Database
from imagelens.db.images import get_image
from imagelens.errors import NotConfigured, NotFound, RecognitionDisabled
from imagelens.intake import Decoder
from imagelens.jobs.originals import decode_stored
from imagelens.people import People, PersonSummary
from imagelens.service.faces import FaceQueries
from imagelens.storage.tenants import TenantStores
from imagelens.types import BBox
from imagelens.types.people import FaceSettings, PeopleList, PersonOut

COVER_SIDE = 160
_COVERS_KEPT = 256  # ~5 KB each
COVER_TTL_S = 300.0


class PeopleDirectory:
    """A tenant's people as the API shows them."""

    def __init__(
        self,
        *,
        db: Database,
        people: People,
        faces: FaceQueries,
        stores: TenantStores,
        decoder: Decoder,
        spool: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.people = people
        self.faces = faces
        self.stores = stores
        self.decoder = decoder
        self.spool = spool
        self._clock = clock
        # (tenant, image, box) -> (WebP, when it expires)
        self._covers: OrderedDict[tuple[str, str, BBox], tuple[bytes, float]] = OrderedDict()
        self._guard = threading.Lock()

    def settings(self, tenant_id: str) -> FaceSettings:
        return FaceSettings(
            recognition=self._enabled(tenant_id),
            server_enabled=self.people.server_enabled(),
        )

    def _enabled(self, tenant_id: str) -> bool:
        """Whether recognition is on for the tenant; off: its covers are dropped here."""
        on = self.people.enabled(tenant_id)
        if not on:
            self._forget_covers(tenant_id)
        return on

    def _require_tenant(self, tenant_id: str) -> None:
        """Like ``FaceQueries.require_tenant``, dropping the tenant's covers when it is off."""
        try:
            self.faces.require_tenant(tenant_id)
        except (NotConfigured, RecognitionDisabled):
            self._forget_covers(tenant_id)
            raise

    def set_recognition(self, tenant_id: str, on: bool) -> FaceSettings:
        """Turn recognition on or off for the tenant; off deletes all its face vectors."""
        if on:
            self.faces.require_server()
        self.people.set_enabled(tenant_id, on)
        if not on:
            self._forget_covers(tenant_id)
        return self.settings(tenant_id)

    def list(self, tenant_id: str, limit: int, cursor: str | None) -> PeopleList:
        self._require_tenant(tenant_id)
        page = self.people.list_people(tenant_id, limit=limit, cursor=cursor)
        return PeopleList(
            items=[person_out(p) for p in page.items],
            next_cursor=page.next_cursor,
            has_more=page.next_cursor is not None,
        )

    def get(self, tenant_id: str, person_id: str) -> PersonOut:
        self._require_tenant(tenant_id)
        return person_out(self.people.get(tenant_id, person_id))

    def rename(self, tenant_id: str, person_id: str, name: str | None) -> PersonOut:
        self._require_tenant(tenant_id)
        cleaned = " ".join(name.split()) if name else None
        return person_out(self.people.rename(tenant_id, person_id, cleaned or None))

    def merge(self, tenant_id: str, person_id: str, others: Sequence[str]) -> PersonOut:
        self._require_tenant(tenant_id)
        merged = self.people.merge(tenant_id, person_id, others)
        self._forget_covers(tenant_id)
        return person_out(merged)

    def delete(self, tenant_id: str, person_id: str) -> None:
        self._require_tenant(tenant_id)
        self.people.delete(tenant_id, person_id)
        self._forget_covers(tenant_id)

    def cover(self, tenant_id: str, person_id: str) -> bytes:
        """The person's cover face as a WebP at most 160 px, with a margin around the box."""
        self._require_tenant(tenant_id)
        person = self.people.get(tenant_id, person_id)  # NotFound for another tenant's
        if person.cover_image_id is None or person.cover_bbox is None:
            raise NotFound(f"Person {person_id} has no face to show.")
        key = (tenant_id, person.cover_image_id, person.cover_bbox)
        now = self._clock()
        with self._guard:
            kept = self._covers.get(key)
            if kept is not None and kept[1] > now:
                self._covers.move_to_end(key)
                return kept[0]
        crop = self._crop(tenant_id, person.cover_image_id, person.cover_bbox)
        with self._guard:
            self._covers[key] = (crop, now + COVER_TTL_S)
            self._covers.move_to_end(key)
            for old in [k for k, (_, until) in self._covers.items() if until <= now]:
                del self._covers[old]
            while len(self._covers) > _COVERS_KEPT:
                self._covers.popitem(last=False)
        return crop

    def _crop(self, tenant_id: str, image_id: str, box: BBox) -> bytes:
        with self.db.session() as session:
            image = get_image(session=session, tenant_id=tenant_id, image_id=image_id)
            if image is None:
                raise NotFound(f"No image {image_id}.")
        store = self.stores.for_reading(image.tenant_id, image.storage_target)
        decoded = decode_stored(
            self.decoder, store, image.storage_key, max_bytes=image.size_bytes, spool=self.spool
        )
        return face_crop(decoded.image, box)

    def _forget_covers(self, tenant_id: str) -> None:
        with self._guard:
            for key in [k for k in self._covers if k[0] == tenant_id]:
                del self._covers[key]


def face_crop(picture: PILImage.Image, box: BBox, side: int = COVER_SIDE) -> bytes:
    """``box`` (normalised) grown by 30% each way, squared, cut out and encoded as WebP."""
    width, height = picture.size
    cx, cy = (box.x + box.width / 2) * width, (box.y + box.height / 2) * height
    half = max(box.width * width, box.height * height) * 0.8
    left, top = max(0, int(cx - half)), max(0, int(cy - half))
    right, bottom = min(width, int(cx + half)), min(height, int(cy + half))
    crop = picture.crop((left, top, max(right, left + 1), max(bottom, top + 1))).convert("RGB")
    crop.thumbnail((side, side), PILImage.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, format="WEBP", quality=85)
    return out.getvalue()


def person_out(person: PersonSummary) -> PersonOut:
    return PersonOut(
        person_id=person.person_id,
        name=person.name,
        face_count=person.face_count,
        cover_image_id=person.cover_image_id,
        cover_bbox=person.cover_bbox,
        created_at=person.created_at,
    )
