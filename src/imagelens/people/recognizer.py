"""The pipeline's :class:`~imagelens.engine.base.PeopleHook` for one image job: the faces'
chips through the face embedder, then :meth:`People.assign`. Built per job by the runner
when recognition is on for the job's tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from imagelens.engine.base import FoundFace, PersonRef
from imagelens.people.service import People


class FaceEmbedderLike(Protocol):
    """What recognition needs of the engine's face embedder (``Engine.face_embedder``)."""

    @property
    def version(self) -> str: ...

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        """(n, 128) float32 descriptors of aligned 150x150 chips; thread-safe."""
        ...


class TenantRecognizer:
    """Who the faces of one image are, in one tenant."""

    def __init__(
        self, people: People, embedder: FaceEmbedderLike, *, tenant_id: str, image_id: str
    ) -> None:
        self.people = people
        self.embedder = embedder
        self.tenant_id = tenant_id
        self.image_id = image_id

    def recognize(self, faces: Sequence[FoundFace]) -> Sequence[PersonRef | None]:
        """One answer per face; None for a face without a chip (too small to align) and for
        all of them when recognition was turned off meanwhile. Every face of the image is
        replaced, so a re-analysis that finds no face leaves none stored."""
        usable = [i for i, face in enumerate(faces) if face.chip is not None]
        chips = [faces[i].chip for i in usable]
        vectors = (
            self.embedder.embed([c for c in chips if c is not None])
            if chips
            else np.zeros((0, 128), np.float32)
        )
        refs = self.people.assign(
            tenant_id=self.tenant_id,
            image_id=self.image_id,
            faces=[faces[i] for i in usable],
            vectors=vectors,
        )
        answers: list[PersonRef | None] = [None] * len(faces)
        for i, ref in zip(usable, refs, strict=False):
            answers[i] = ref
        return answers
