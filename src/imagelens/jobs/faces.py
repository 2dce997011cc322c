"""Face search and compare as a job: the worker (it holds the face models) finds the query
image's faces and their 128-d vectors and hands them back as the job's result; the image is
never kept (its upload goes once the job is done) and the API process removes the vectors
from the job as soon as it has read them (service/faces.py)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from imagelens.errors import InvalidInput
from imagelens.intake import DecodedImage
from imagelens.jobs.uploads import run_upload_job
from imagelens.types import BBox

if TYPE_CHECKING:
    from imagelens.jobs.runner import JobRunner


@dataclass(frozen=True, slots=True)
class QueryFace:
    """A face of a query image: where it is, and its vector (float32, 128-d)."""

    bbox: BBox
    confidence: float
    vector: np.ndarray = field(compare=False, repr=False)


def encode_faces(faces: list[QueryFace], model: str) -> dict[str, Any]:
    """Faces as a job result (JSON): boxes, and vectors as float32 bytes in base64."""
    return {
        "model": model,
        "faces": [
            {
                "bbox": f.bbox.model_dump(),
                "confidence": f.confidence,
                "vector": base64.b64encode(np.asarray(f.vector, "<f4").tobytes()).decode(),
            }
            for f in faces
        ],
    }


def decode_faces(result: dict[str, Any]) -> tuple[list[QueryFace], str]:
    """The faces and model of :func:`encode_faces`'s result."""
    try:
        faces = [
            QueryFace(
                bbox=BBox.model_validate(item["bbox"]),
                confidence=float(item["confidence"]),
                vector=np.frombuffer(base64.b64decode(item["vector"]), "<f4").copy(),
            )
            for item in result["faces"]
        ]
        return faces, str(result["model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"A face job answered something unreadable: {exc}") from exc


def run_find_faces(
    runner: JobRunner, job_id: str, waited: timedelta, decoded: DecodedImage | None
) -> None:
    """Run one face job: the query image's faces and vectors into the job's result."""
    engine = runner.analyst.engine

    def faces(image: DecodedImage) -> dict[str, Any]:
        found = engine.find_faces(image)
        embedder = engine.face_embedder
        chips = [f.chip for f in found if f.chip is not None]
        vectors = embedder.embed(chips) if chips else np.zeros((0, 128), np.float32)
        with_chip = [f for f in found if f.chip is not None]
        return encode_faces(
            [QueryFace(f.bbox, f.confidence, v) for f, v in zip(with_chip, vectors, strict=True)],
            embedder.version,
        )

    run_upload_job(runner, job_id, waited, decoded, "face search or compare call", faces)
