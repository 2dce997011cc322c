"""``imagelens faces backfill``: recognise the faces of images stored before their tenant
turned recognition on (runs against the database and store, like ``imagelens reindex``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from imagelens.cli.startup import settings_for, startup_errors


def backfill(
    tenant: Annotated[
        str | None,
        typer.Option(help="Only this tenant's images (default: every tenant that has it on)."),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="[env IMAGELENS_DATA_DIR]")] = None,
) -> None:
    """Recognise the faces of stored images the current face model has not seen, for the
    tenants with recognition on (idempotent; stop it any time and run it again to go on)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from imagelens.core import Services
    from imagelens.db import upgrade
    from imagelens.service.facebackfill import backfill_faces

    with startup_errors():
        settings = settings_for(data_dir)
        services = Services.build(settings)
        upgrade(services.db.url)
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with startup_errors(), Progress(*columns) as bar:
            task = bar.add_task("faces", total=None)
            report = backfill_faces(
                db=services.db,
                people=services.people.people,
                engine=services.engine,
                stores=services.stores,
                decoder=services.decoder,
                tenant_id=tenant,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
            bar.update(
                task,
                total=max(report.images + report.failed, 1),
                completed=max(report.images + report.failed, 1),
            )
    finally:
        services.db.dispose()
        services.engine.close()
    typer.echo(
        f"imagelens: faces: {report.images} images recognised, {report.faces} faces, "
        f"{report.failed} failed"
    )
    if report.failed:
        raise typer.Exit(1)
