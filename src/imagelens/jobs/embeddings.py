"""An analysed image's embeddings: its analysis text through the text embedder ("text") and
the tagger's pooled features ("visual"), computed by the worker that analysed it and stored
with its result. A failure here never fails the analysis: the image is saved without the
vector and ``imagelens reindex`` fills it in later."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from imagelens.db.vectors import upsert_vector
from imagelens.engine import Engine
from imagelens.engine.local.embedder import TextEmbedder, analysis_text
from imagelens.errors import ImageLensError

log = logging.getLogger(__name__)

TEXT, VISUAL = "text", "visual"


@dataclass(frozen=True, slots=True)
class Embedding:
    kind: str
    model: str
    vector: np.ndarray = field(compare=False, repr=False)


class Embedder:
    """Makes and stores an image's embeddings; ``text`` None: no text vectors (disabled)."""

    def __init__(self, engine: Engine, text: TextEmbedder | None) -> None:
        self.engine = engine
        self.text = text

    @property
    def visual_model(self) -> str | None:
        """The version of the model whose features are the visual vectors (None: no tagger)."""
        tagger = self.engine.analyzers.get("tags")
        return tagger.version if tagger is not None else None

    def text_embedding(self, result: Mapping[str, Any]) -> Embedding | None:
        """The text vector of a stored analysis (None without text or embedder)."""
        if self.text is None:
            return None
        words = analysis_text(result)
        if not words:
            return None
        return Embedding(TEXT, self.text.version, self.text.passage(words))

    def embeddings(
        self, result: Mapping[str, Any], visual: np.ndarray | None, *, image_id: str = ""
    ) -> list[Embedding]:
        """What to store for a fresh analysis; what fails is logged and left out."""
        found: list[Embedding] = []
        model = self.visual_model
        if visual is not None and model is not None:
            found.append(Embedding(VISUAL, model, visual))
        try:
            text = self.text_embedding(result)
        except ImageLensError:
            log.warning("no text embedding", extra={"image_id": image_id}, exc_info=True)
        else:
            if text is not None:
                found.append(text)
        return found


def save_embeddings(
    *, session: Session, image_id: str, tenant_id: str, embeddings: Sequence[Embedding]
) -> None:
    """Store an image's embeddings (replacing those of the same kinds)."""
    for item in embeddings:
        upsert_vector(
            session=session,
            image_id=image_id,
            tenant_id=tenant_id,
            kind=item.kind,
            model=item.model,
            vector=item.vector,
        )
