"""``imagelens worker``: run analysis jobs from the broker (scale-out)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from imagelens.config import load_settings
from imagelens.errors import ImageLensError
from imagelens.logs import configure_logging


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
    from imagelens.jobs.worker import Worker

    overrides = {"data_dir": data_dir} if data_dir is not None else {}
    try:
        settings = load_settings(**overrides)
        configure_logging(settings.log_level)
        if settings.queue.kind != "celery":
            raise typer.BadParameter(
                "set IMAGELENS_QUEUE__KIND=celery and IMAGELENS_QUEUE__BROKER_URL: a worker "
                "takes its jobs from a broker"
            )
        services = Services.build(settings)
        services.preflight()
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        typer.echo(f"imagelens: invalid settings: {problems}", err=True)
        raise typer.Exit(2) from None
    except ImageLensError as exc:
        typer.echo(f"imagelens: cannot start: {exc.message}", err=True)
        raise typer.Exit(2) from None
    assert isinstance(services.queue, CeleryQueue)
    tune_allocator()
    services.engine.warmup()
    typer.echo(f"imagelens: worker {services.lease.owner} taking jobs ({concurrency} at once)")
    Worker(
        app=services.queue.app,
        runner=services.runner,
        db=services.db,
        lease=services.lease,
        queue=services.queue,
        renew_every=settings.jobs.sweep_interval,
    ).run(concurrency=concurrency, burst=burst)
