"""Search by image as a job: the worker (it holds the tagger) turns the query image into its
visual embedding and hands it back as the job's result; the image itself is never kept (its
upload is removed once the job is done), and no image row is made for it."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from imagelens.db.vectors import from_bytes, to_bytes
from imagelens.errors import AnalysisTimeout, ImageLensError, InvalidInput
from imagelens.intake import DecodedImage
from imagelens.jobs.originals import decode_stored
from imagelens.jobs.outcome import outcome
from imagelens.storage import upload_key

if TYPE_CHECKING:
    from imagelens.jobs.runner import JobRunner

log = logging.getLogger(__name__)


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
    key = upload_key(job_id)
    engine = runner.analyst.engine

    def features() -> dict[str, Any]:
        if waited > timedelta(seconds=runner.describe_timeout):  # its caller has given up
            raise AnalysisTimeout(
                f"No worker took the search-by-image call within {runner.describe_timeout:g} s."
            )
        image = decoded or decode_stored(
            runner.decoder,
            runner.stores.default,
            key,
            max_bytes=runner.decoder.limits.max_file_bytes,
            spool=runner.spool,
        )
        model = runner.embedder.visual_model or ""
        return encode_vector(engine.visual_features(image), model)

    result, error = outcome(features)
    with runner.db.session() as session:
        if not runner.finish_if_held(session, job_id, error, result):
            return  # handed back: whoever runs it again needs the upload
    try:  # after the outcome is saved: a job re-run after a crash still finds its bytes
        runner.stores.default.delete(key)
    except ImageLensError:
        log.warning("could not remove a search upload", extra={"key": key}, exc_info=True)
