"""``imagelens serve`` and ``imagelens db upgrade``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imagelens.cli.startup import settings_for, startup_errors
from imagelens.config import load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Database, originals and thumbnails [env IMAGELENS_DATA_DIR]."),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="embedded (jobs run in this process) or api (no models; jobs go to "
            "`imagelens worker` through IMAGELENS_QUEUE__KIND=celery). Default: from the queue."
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (migrates the database; loads the models unless role is api)."""
    from imagelens.api import create_app

    with startup_errors():
        settings = settings_for(data_dir)
        _check_role(role, settings.queue.kind)
        app = create_app(settings)
        app.state.services.preflight()
    typer.echo(f"imagelens: serving on http://{host}:{port} (data in {settings.data_dir})")
    serve_app(app, host=host, port=port, header_timeout=settings.header_timeout_seconds)


def serve_app(app: FastAPI, *, host: str, port: int, header_timeout: float) -> None:
    """Serve ``app`` (from ``create_app``) until SIGTERM or Ctrl+C: stop accepting, hand
    running jobs back, exit within 15 s (api/server.py)."""
    from imagelens.api.server import GracefulServer, uvicorn_config

    config = uvicorn_config(app, host=host, port=port, header_timeout=header_timeout)
    queue = app.state.services.queue
    GracefulServer(config, on_exit=queue.interrupt, left_running=lambda: queue.left_running).run()


def _check_role(role: str | None, queue_kind: str) -> None:
    expected = {"embedded": "inprocess", "api": "celery"}
    if role is None:
        return
    if role not in expected:
        raise typer.BadParameter("use embedded or api", param_hint="--role")
    if expected[role] != queue_kind:
        raise typer.BadParameter(
            f"--role {role} needs IMAGELENS_QUEUE__KIND={expected[role]} (it is {queue_kind})",
            param_hint="--role",
        )


@db_app.command("upgrade")
def upgrade(
    data_dir: Annotated[Path | None, typer.Option(help="[env IMAGELENS_DATA_DIR]")] = None,
) -> None:
    """Run the Alembic migrations up to the newest revision."""
    from imagelens import db

    overrides = {"data_dir": data_dir} if data_dir is not None else {}
    settings = load_settings(**overrides)
    db.upgrade(settings.resolved_database_url)
    typer.echo("imagelens: database schema is up to date")
