"""``imagelens reindex``: rebuild what search finds images by, from their stored results:
full-text rows, then text and visual vectors missing or made by another model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from imagelens.cli.startup import settings_for, startup_errors


def reindex(
    tenant: Annotated[
        str | None, typer.Option(help="Only this tenant's images (default: every tenant).")
    ] = None,
    missing: Annotated[
        bool, typer.Option("--missing", help="Full text: only images that have no row yet.")
    ] = False,
    text_only: Annotated[
        bool, typer.Option(help="No visual vectors (no original is read or decoded).")
    ] = False,
    data_dir: Annotated[Path | None, typer.Option(help="[env IMAGELENS_DATA_DIR]")] = None,
) -> None:
    """Rebuild the search index of analysed images (idempotent; stop it any time and run it
    again to go on)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from imagelens.core import Services
    from imagelens.db import upgrade
    from imagelens.jobs.embeddings import TEXT, VISUAL
    from imagelens.service.reindex import reindex_vectors
    from imagelens.service.textindex import reindex_text

    with startup_errors():
        settings = settings_for(data_dir)
        services = Services.build(settings)
        upgrade(services.db.url)
    kinds = (TEXT,) if text_only else (TEXT, VISUAL)
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns) as bar:
            rows = bar.add_task("full text", total=None)
            written = reindex_text(
                services.db,
                tenant_id=tenant,
                missing_only=missing,
                on_progress=lambda n, total: bar.update(rows, completed=n, total=total),
            )
            bar.update(rows, total=max(written, 1), completed=max(written, 1))
            tasks = {kind: bar.add_task(f"{kind} vectors", total=None) for kind in kinds}
            totals = dict.fromkeys(kinds, 0)

            def progress(kind: str, done: int, total: int) -> None:
                totals[kind] = total
                bar.update(tasks[kind], completed=done, total=total)

            report = reindex_vectors(
                db=services.db,
                embedder=services.runner.embedder,
                stores=services.stores,
                decoder=services.runner.decoder,
                tenant_id=tenant,
                kinds=kinds,
                progress=progress,
            )
            for kind in kinds:  # a kind with nothing to do still ends as a full bar
                bar.update(tasks[kind], total=totals[kind], completed=totals[kind])
    finally:
        services.db.dispose()
        services.engine.close()
    typer.echo(f"imagelens: full text: {written} images re-indexed")
    for kind in kinds:
        embedded, failed = report.embedded.get(kind, 0), report.failed.get(kind, 0)
        typer.echo(f"imagelens: {kind} vectors: {embedded} embedded, {failed} failed")
    if any(report.failed.values()):
        raise typer.Exit(1)
