"""The typer application behind the ``imagelens`` command."""

from __future__ import annotations

import typer

from imagelens.cli.analyze import analyze
from imagelens.cli.facebackfill import backfill
from imagelens.cli.people import faces_app, people_app
from imagelens.cli.prepare import prepare
from imagelens.cli.reindex import reindex
from imagelens.cli.remote import files_app, jobs_app, keys_app
from imagelens.cli.search import search
from imagelens.cli.serve import db_app, serve
from imagelens.cli.webhooks import webhooks_app
from imagelens.cli.worker import worker

app = typer.Typer(
    name="imagelens",
    help="Self-hosted image analysis: descriptions, tags, text, moderation, colors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(analyze)
app.command()(serve)
app.command()(worker)
app.command()(reindex)
app.command()(search)
app.command()(prepare)
app.add_typer(db_app, name="db")
app.add_typer(jobs_app, name="jobs")
app.add_typer(files_app, name="files")
app.add_typer(keys_app, name="keys")
app.add_typer(people_app, name="people")
app.add_typer(webhooks_app, name="webhooks")
faces_app.command()(backfill)  # local, against the database: beside the server commands
app.add_typer(faces_app, name="faces")


@app.callback()
def _root() -> None:
    """imagelens command line."""


def main() -> None:
    """Console-script entry point."""
    app()
