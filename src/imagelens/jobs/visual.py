"""Search by image as a job: the worker (it holds the tagger) turns the query image into its
visual embedding and hands it back as the job's result; the image itself is never kept (its
upload is removed once the job is done), and no image row is made for it."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from imagelens.db.vectors import from_bytes, to_bytes
from imagelens.errors import InvalidInput
from imagelens.intake import DecodedImage
from imagelens.jobs.uploads import run_upload_job

if TYPE_CHECKING:
    from imagelens.jobs.runner import JobRunner


def encode_vector(vector: np.ndarray, model: str) -> dict[str, Any]:
    """A vector as a job result (JSON): float16 bytes in base64, and its model."""
    return {"vector": base64.b64encode(to_bytes(vector)).decode("ascii"), "model": model}


def decode_vector(result: dict[str, Any]) -> tuple[np.ndarray, str]:
    """The vector and model of :func:`encode_vector`'s result."""
    try:
        return from_bytes(base64.b64decode(result["vector"])), str(result["model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"A search-by-image job answered something unreadable: {exc}") from exc


def run_search_image(
    runner: JobRunner, job_id: str, waited: timedelta, decoded: DecodedImage | None
) -> None:
    """Run one search-by-image job: the query image's features into the job's result."""
    engine = runner.analyst.engine

    def features(image: DecodedImage) -> dict[str, Any]:
        model = runner.embedder.visual_model or ""
        return encode_vector(engine.visual_features(image), model)

    run_upload_job(runner, job_id, waited, decoded, "search-by-image call", features)
