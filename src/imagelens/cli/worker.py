"""``imagelens worker``: run analysis jobs from the broker (scale-out)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imagelens.cli.startup import settings_for, startup_errors

if TYPE_CHECKING:
    from imagelens.core import Services


def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once in this process.")] = 1,
    burst: Annotated[bool, typer.Option(help="Exit once the queue is empty.")] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="For the SQLite default and local storage.")
    ] = None,
) -> None:
    """Run analysis jobs from the broker (IMAGELENS_QUEUE__KIND=celery) with the models."""
    from imagelens.core import Services
    from imagelens.intake.budget import tune_allocator
    from imagelens.jobs.celery import CeleryQueue

    with startup_errors():
        settings = settings_for(data_dir)
        if settings.queue.kind != "celery":
            raise typer.BadParameter(
                "set IMAGELENS_QUEUE__KIND=celery and IMAGELENS_QUEUE__BROKER_URL: a worker "
                "takes its jobs from a broker"
            )
        services = Services.build(settings, db_pool=concurrency + 4)  # + renewer, sweeper, hooks
        services.preflight()
    assert isinstance(services.queue, CeleryQueue)
    tune_allocator()
    # Background jobs are the bulk of a worker's work: their lane loads now. The lane of
    # jobs a caller waits on loads on its first such job, so a worker that never sees one
    # (a burst back-fill) does not load every model twice (start-up ~halved).
    services.engine.warmup(interactive=services.settings.engine.nice == 0)
    typer.echo(f"imagelens: worker {services.lease.owner} taking jobs ({concurrency} at once)")
    code = run_worker(services, concurrency=concurrency, burst=burst)
    _exit_without_teardown(services, code)


def _exit_without_teardown(services: Services, code: int) -> None:
    """Leave now that everything is saved: the jobs' outcomes are committed and what was
    handed back is on the broker (``Worker.run`` flushed it). The interpreter's teardown of
    the modules (freeing the models' native sessions one by one) took 1.4 s of a burst
    worker's 2.5 s exit, which a deployment scaling workers up and down pays each time; the
    exit handlers still run (Celery restarts a worker on SIGHUP from one)."""
    import atexit
    import logging
    import os
    import sys

    try:
        # Not services.events.close(): its listener's join waits out a 0.5 s poll, and the
        # subscription holds nothing to flush (events are published as jobs finish).
        services.db.dispose()
        atexit._run_exitfuncs()  # what the interpreter runs first on its way out
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def run_worker(services: Services, *, concurrency: int, burst: bool) -> int:
    """Consume the broker's jobs with ``services`` (built for Celery) until stopped; the
    worker's exit code."""
    from imagelens.jobs.celery import CeleryQueue

    assert isinstance(services.queue, CeleryQueue)
    services.deliverer.start()  # webhooks go out from the workers, not the API processes
    try:
        return _consume(services, concurrency=concurrency, burst=burst)
    finally:
        services.deliverer.stop()


def _consume(services: Services, *, concurrency: int, burst: bool) -> int:
    from imagelens.jobs.celery import CeleryQueue
    from imagelens.jobs.worker import Worker

    assert isinstance(services.queue, CeleryQueue)
    return Worker(
        app=services.queue.app,
        runner=services.runner,
        db=services.db,
        lease=services.lease,
        queue=services.queue,
        renew_every=services.settings.jobs.sweep_interval,
        niceness=services.settings.engine.nice,
    ).run(concurrency=concurrency, burst=burst)
