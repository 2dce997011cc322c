"""The CLI against a running server, through the SDK: ``analyze --server``, jobs, files, keys."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from imagelens.cli.output import COMPLETED_FIELDS, error_record
from imagelens.sdk import ImageLens, ImageLensAPIError
from imagelens.types import ContentCategory, Language
from imagelens.types.api import SCOPES

Server = Annotated[
    str | None,
    typer.Option("--server", envvar="IMAGELENS_BASE_URL", help="Base URL of an imagelens server."),
]
ApiKey = Annotated[
    str | None, typer.Option("--api-key", envvar="IMAGELENS_API_KEY", help="API key.")
]


def connect(server: str | None, api_key: str | None) -> ImageLens:
    try:
        return ImageLens(api_key, base_url=server)
    except ImageLensAPIError as exc:
        raise typer.BadParameter(exc.message) from None


def analyze_remote(
    client: ImageLens,
    path: Path,
    category: ContentCategory,
    lang: Language,
    backend: str | None = None,
    ocr_languages: str | None = None,
) -> dict[str, Any]:
    """One CLI record for ``path``, analysed by the server (waiting for slow jobs)."""
    start = time.perf_counter()
    try:
        answer = client.images.analyze(
            path,
            content_category=category,
            lang=lang.value,
            backend=backend,
            ocr_languages=ocr_languages,
        )
        if answer.status == "processing":  # slow back-end: wait for the job, then read it
            client.jobs.wait(answer.job_id, timeout=600)
            stored = client.files.get(answer.image_id).to_dict(exclude_none=False)
            ms = round((time.perf_counter() - start) * 1000, 2)
            fields = {k: v for k, v in stored.items() if k in COMPLETED_FIELDS}
            status = "failed" if stored["description_status"] == "failed" else "completed"
            return {"file": str(path), "status": status, "processing_time_ms": ms, **fields}
    except ImageLensAPIError as exc:
        retryable = (
            exc.status_code is None or exc.status_code in (408, 429) or (exc.status_code >= 500)
        )
        return error_record(
            str(path), {"type": exc.code, "message": exc.message, "retryable": retryable}
        )
    except OSError as exc:
        return error_record(
            str(path), {"type": "io_error", "message": str(exc), "retryable": False}
        )
    ms = round((time.perf_counter() - start) * 1000, 2)
    if answer.status == "completed":
        data = answer.model_dump(mode="json", include=set(COMPLETED_FIELDS))
        return {"file": str(path), "status": "completed", "processing_time_ms": ms, **data}
    if answer.status == "failed":
        error = (
            answer.error.model_dump()
            if answer.error
            else {"type": "analysis_error", "message": "failed", "retryable": True}
        )
        return error_record(str(path), error)
    return {"file": str(path), "status": answer.status, "image_id": answer.image_id}


jobs_app = typer.Typer(help="Jobs on a server.", no_args_is_help=True)
files_app = typer.Typer(help="Stored images on a server.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys on a server (admin).", no_args_is_help=True)


def _print(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@contextmanager
def api_errors(hints: Mapping[str, str] | None = None) -> Iterator[None]:
    """An error from the server: its code and message on stderr (and ``hints[code]``, how to
    get past it, where there is one) and exit status 1, no traceback."""
    try:
        yield
    except ImageLensAPIError as exc:
        typer.echo(f"error: {exc.code}: {exc.message}", err=True)
        hint = (hints or {}).get(exc.code)
        if hint:
            typer.echo(f"hint: {hint}", err=True)
        raise typer.Exit(1) from None


@jobs_app.command("get")
def jobs_get(job_id: str, server: Server = None, api_key: ApiKey = None) -> None:
    """Show a job's state and results."""
    with connect(server, api_key) as client:
        with api_errors():
            _print(client.jobs.get(job_id).model_dump(mode="json"))


@files_app.command("upload")
def files_upload(
    paths: Annotated[list[Path], typer.Argument(help="Files to upload and analyse.")],
    server: Server = None,
    api_key: ApiKey = None,
    category: Annotated[
        ContentCategory, typer.Option(help="Content category.")
    ] = ContentCategory.GENERAL,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each analysis.")] = 30,
    direct: Annotated[
        bool | None,
        typer.Option(
            "--direct/--no-direct",
            help="Send straight to storage (default: for files over 32 MB).",
        ),
    ] = None,
) -> None:
    """Upload files and print each result (JSON); big files go straight to storage in
    parts, with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TransferSpeedColumn,
    )

    failed = False
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=Console(stderr=True),
    )
    with connect(server, api_key) as client, bar:
        for path in paths:
            task = bar.add_task(path.name, total=path.stat().st_size)

            def moved(sent: int, total: int, task: Any = task) -> None:
                bar.update(task, completed=sent, total=total)

            try:
                result = client.files.upload(
                    path,
                    content_category=category,
                    timeout=timeout,
                    direct=direct,
                    on_progress=moved,
                )
            except ImageLensAPIError as exc:
                typer.echo(f"{path}: error: {exc.code}: {exc.message}", err=True)
                failed = True
                continue
            _print(result.to_dict())
    raise typer.Exit(1 if failed else 0)


@files_app.command("list")
def files_list(
    server: Server = None,
    api_key: ApiKey = None,
    q: Annotated[str | None, typer.Option(help="Text in description, text or name.")] = None,
    tag: Annotated[str | None, typer.Option(help="Exact tag.")] = None,
    status: Annotated[str | None, typer.Option(help="completed, failed, ...")] = None,
    limit: Annotated[int, typer.Option(help="Images per page.")] = 50,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of a previous page.")] = None,
) -> None:
    """List stored images, newest first (JSON)."""
    with connect(server, api_key) as client:
        with api_errors():
            page = client.files.list(q=q, tag=tag, status=status, limit=limit, cursor=cursor)
        _print({"items": [i.to_dict() for i in page.items], "next_cursor": page.next_cursor})


@keys_app.command("create")
def keys_create(
    name: str,
    server: Server = None,
    api_key: ApiKey = None,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="read, write, admin, operator (repeatable).")
    ] = None,
    tenant: Annotated[str | None, typer.Option(help="Tenant of the key (new or existing).")] = None,
    expires_at: Annotated[str | None, typer.Option(help="ISO 8601 expiry.")] = None,
    signing: Annotated[
        bool, typer.Option("--signing", help="Also make a request-signing secret.")
    ] = False,
) -> None:
    """Create an API key; the key (and its signing secret) is printed once."""
    unknown = set(scope or []) - set(SCOPES)
    if unknown:
        raise typer.BadParameter(
            f"unknown scope {', '.join(sorted(unknown))}", param_hint="--scope"
        )
    scopes = [s for s in SCOPES if s in (scope or [])] or None
    with connect(server, api_key) as client:
        with api_errors():
            created = client.keys.create(
                name, scopes=scopes, tenant=tenant, expires_at=expires_at, signing=signing
            )
        _print(created.model_dump(mode="json"))
