"""What `serve` and `worker` share at start: settings, logging, and start-up errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from pydantic import ValidationError

from imagelens.config import Settings, load_settings
from imagelens.errors import ImageLensError
from imagelens.logs import configure_logging


def settings_for(data_dir: Path | None) -> Settings:
    """The settings from the environment (``--data-dir`` wins), logging configured."""
    settings = load_settings(**({"data_dir": data_dir} if data_dir is not None else {}))
    configure_logging(settings.log_level)
    return settings


@contextmanager
def startup_errors() -> Iterator[None]:
    """A wrong or missing setting, or a service that does not answer: one line naming it on
    stderr and exit status 2, no traceback."""
    try:
        yield
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        typer.echo(f"imagelens: invalid settings: {problems}", err=True)
        raise typer.Exit(2) from None
    except ImageLensError as exc:
        typer.echo(f"imagelens: cannot start: {exc.message}", err=True)
        raise typer.Exit(2) from None
