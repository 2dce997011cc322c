"""A job's outcome as data: its result, or its error record (failures are classified, never
raised out of a job)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from imagelens.engine.base import JobInterrupted
from imagelens.errors import AnalysisError, ImageLensError


def outcome(
    work: Callable[[], dict[str, Any]],
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(result, None) or (None, error record): a job's failure is classified, never raised."""
    try:
        return work(), None
    except JobInterrupted:  # not an outcome: the job goes back to the queue
        raise
    except ImageLensError as exc:
        return None, exc.to_dict()
    except Exception as exc:  # a bug must fail the job, classified, not kill the worker
        return None, AnalysisError(f"Unexpected {type(exc).__name__}: {exc}").to_dict()


def gone() -> dict[str, Any]:
    return {"type": "not_found", "message": "The image was deleted.", "retryable": False}
