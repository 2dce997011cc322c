"""``imagelens serve`` and ``imagelens db upgrade``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from imagelens.config import load_settings
from imagelens.errors import ImageLensError
from imagelens.logs import configure_logging

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Database, originals and thumbnails [env IMAGELENS_DATA_DIR]."),
    ] = None,
) -> None:
    """Serve the HTTP API (migrates the database and loads the models first)."""
    import uvicorn

    from imagelens.api import create_app
    from imagelens.api.server import uvicorn_config

    overrides = {"data_dir": data_dir} if data_dir is not None else {}
    try:
        settings = load_settings(**overrides)
        configure_logging(settings.log_level)
        app = create_app(settings)
        app.state.services.preflight()
    except ValidationError as exc:  # a wrong or missing setting: say which, no traceback
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        typer.echo(f"imagelens: invalid settings: {problems}", err=True)
        raise typer.Exit(2) from None
    except ImageLensError as exc:
        typer.echo(f"imagelens: cannot start: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"imagelens: serving on http://{host}:{port} (data in {settings.data_dir})")
    config = uvicorn_config(
        app, host=host, port=port, header_timeout=settings.header_timeout_seconds
    )
    uvicorn.Server(config).run()


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
