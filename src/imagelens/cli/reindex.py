"""``imagelens reindex``: rebuild what search finds images by, from their stored results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from imagelens.cli.startup import settings_for, startup_errors


def reindex(
    tenant: Annotated[
        str | None, typer.Option(help="Only this tenant's images (default: every tenant).")
    ] = None,
    missing: Annotated[
        bool, typer.Option("--missing", help="Only images that have no search row yet.")
    ] = False,
    data_dir: Annotated[Path | None, typer.Option(help="[env IMAGELENS_DATA_DIR]")] = None,
) -> None:
    """Rebuild the search index of analysed images (idempotent; safe to stop and re-run)."""
    from imagelens import db
    from imagelens.service.reindex import reindex_text

    with startup_errors():
        settings = settings_for(data_dir)
        db.upgrade(settings.resolved_database_url)
        database = db.Database(settings.resolved_database_url, pool_size=2)
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, TimeRemainingColumn()) as bar:
            task = bar.add_task("full text", total=None)
            done = reindex_text(
                database,
                tenant_id=tenant,
                missing_only=missing,
                on_progress=lambda n, total: bar.update(task, completed=n, total=total),
            )
    finally:
        database.dispose()
    typer.echo(f"imagelens: {done} images re-indexed for full-text search")
