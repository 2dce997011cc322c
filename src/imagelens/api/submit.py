"""The step every single-image endpoint shares: read the image and options, ingest them."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from imagelens.api.inputs import AnalyzeParams, Spool, read_image_request
from imagelens.core import Services
from imagelens.service.auth import Principal
from imagelens.service.ingest import Ingested, IngestRequest


async def submit_image(
    request: Request,
    principal: Principal,
    services: Services,
    *,
    decode: bool = True,
    waiting: bool = False,
) -> tuple[Ingested, AnalyzeParams]:
    """Take the request's image in (``decode=False``: header checks only, pixels later;
    ``waiting``: the route waits up to the request's ``timeout`` for the analysis, which
    then runs at full priority unless that timeout is 0)."""
    image_input, params = await read_image_request(request, services.fetcher, spool(services))
    with image_input.data:  # the spooled file goes once the bytes are stored
        ingested = await run_in_threadpool(
            services.ingestor.ingest,
            IngestRequest(
                tenant_id=principal.tenant_id,
                data=image_input.data,
                filename=image_input.filename,
                options=params.job_options(),
                skip_duplicates=params.skip_duplicates,
                decode=decode,
                waiting=waiting and params.timeout > 0,
                storage_target=None
                if params.storage_target == "default"
                else params.storage_target,
            ),
        )
    return ingested, params


def spool(services: Services) -> Spool:
    """Multipart files are copied into DATA_DIR/spool, up to the largest file we take."""
    settings = services.settings
    return Spool(settings.spool_dir, settings.limits.max_file_bytes)
