"""The jobs on an image kept only for them (describe-image, search by image): the image is
read back from ``uploads/<job id>`` (or handed over decoded), worked on, the outcome kept on
the job, and the upload removed once that is saved."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from imagelens.errors import AnalysisTimeout, ImageLensError
from imagelens.intake import DecodedImage
from imagelens.jobs.originals import decode_stored
from imagelens.jobs.outcome import outcome
from imagelens.storage import upload_key

if TYPE_CHECKING:
    from imagelens.jobs.runner import JobRunner

log = logging.getLogger(__name__)


def run_upload_job(
    runner: JobRunner,
    job_id: str,
    waited: timedelta,
    decoded: DecodedImage | None,
    what: str,
    work: Callable[[DecodedImage], dict[str, Any]],
) -> None:
    """A job on an image kept only for it (describe-image, search by image): ``work`` on
    the image, its result kept on the job, the upload removed once that is saved."""
    key = upload_key(job_id)

    def run() -> dict[str, Any]:
        if waited > timedelta(seconds=runner.describe_timeout):  # its caller has given up
            raise AnalysisTimeout(
                f"No worker took the {what} within {runner.describe_timeout:g} s."
            )
        image = decoded or decode_stored(
            runner.decoder,
            runner.stores.default,
            key,
            max_bytes=runner.decoder.limits.max_file_bytes,
            spool=runner.spool,
        )
        return work(image)

    result, error = outcome(run)
    with runner.db.session() as session:
        if not runner.finish_if_held(session, job_id, error, result):
            return  # handed back: whoever runs it again needs the upload
    try:  # after the outcome is saved: a job re-run after a crash still finds its bytes
        runner.stores.default.delete(key)
    except ImageLensError:
        log.warning("could not remove an upload", extra={"key": key}, exc_info=True)
