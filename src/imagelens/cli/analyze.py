"""``imagelens analyze PATH...``: analyse images locally, JSON Lines on stdout."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from imagelens.cli.output import OutputFormat, Writer, error_record, success_record
from imagelens.cli.remote import analyze_remote, connect
from imagelens.config import load_settings
from imagelens.discovery import discover
from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.analyst import Analyst
from imagelens.engine.vlm.backend import VlmBackend
from imagelens.errors import ImageLensError
from imagelens.intake import decode_image
from imagelens.types import ContentCategory, Language, parse_ocr_languages


def analyze(
    paths: Annotated[list[Path], typer.Argument(help="Image files and/or directories.")],
    category: Annotated[
        ContentCategory, typer.Option(help="Content category; 'auto' classifies first.")
    ] = ContentCategory.GENERAL,
    lang: Annotated[Language, typer.Option(help="Language of the description.")] = Language.EN,
    ocr_lang: Annotated[
        str | None,
        typer.Option(
            "--ocr-lang",
            help="Languages of the text, e.g. ru,en (ISO 639-1); default: detected.",
        ),
    ] = None,
    recursive: Annotated[
        bool, typer.Option("--recursive", "-r", help="Walk subdirectories.")
    ] = False,
    include_hidden: Annotated[bool, typer.Option(help="Include hidden files and folders.")] = False,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format on stdout.")
    ] = OutputFormat.JSONL,
    backend: Annotated[
        str | None,
        typer.Option(
            help="local, vlm or hybrid (default: hybrid when IMAGELENS_VLM__BASE_URL is set, "
            "else local)."
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            help="Analyse on this imagelens server instead of locally (SDK; key from "
            "--api-key or IMAGELENS_API_KEY).",
        ),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option("--api-key", envvar="IMAGELENS_API_KEY", help="API key.")
    ] = None,
) -> None:
    """Analyse images with the local models, or on a server; one record per file on stdout."""
    err = Console(stderr=True)
    try:
        ocr_languages = parse_ocr_languages(ocr_lang)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--ocr-lang") from None
    found = discover(paths, recursive=recursive, include_hidden=include_hidden)
    writer = Writer(output_format, sys.stdout)
    failed = 0
    for path in found.missing:
        failed += 1
        writer.add(
            error_record(
                str(path),
                {"type": "not_found", "message": "No such file or directory.", "retryable": False},
            )
        )
    if server is not None:
        with connect(server, api_key) as client, _progress(err) as progress:
            task = progress.add_task(f"analysing on {client.base_url}", total=len(found.files))
            for path in found.files:
                record = analyze_remote(client, path, category, lang, backend, ocr_lang)
                failed += record["status"] == "failed"
                writer.add(record)
                progress.advance(task)
    else:
        # Someone waits on this command: its analyses run in this (full-priority) thread's
        # lane; `nice imagelens analyze ...` lowers the whole command.
        settings = load_settings()
        with Engine(settings) as engine, _progress(err) as progress:
            analyst = Analyst(engine, VlmBackend(settings.vlm) if settings.vlm.enabled else None)
            try:
                chosen = analyst.check_backend(backend)
            except ImageLensError as exc:
                raise typer.BadParameter(exc.message, param_hint="--backend") from None
            options = AnalysisOptions(
                category=category, lang=lang, backend=chosen, ocr_languages=ocr_languages
            )
            task = progress.add_task("analysing", total=len(found.files))
            for path in found.files:
                record = _analyze_one(analyst, path, options)
                failed += record["status"] == "failed"
                writer.add(record)
                progress.advance(task)
    writer.close()
    skipped = []
    if found.skipped_unsupported:
        skipped.append(f"{found.skipped_unsupported} unsupported")
    if found.skipped_hidden:
        skipped.append(f"{found.skipped_hidden} hidden")
    summary = f"{len(found.files) + len(found.missing) - failed} analysed, {failed} failed"
    err.print(summary + (f"; skipped {', '.join(skipped)}" if skipped else ""))
    raise typer.Exit(1 if failed else 0)


def _analyze_one(analyst: Analyst, path: Path, options: AnalysisOptions) -> dict[str, object]:
    start = time.perf_counter()
    try:
        image = decode_image(path.read_bytes(), analyst.engine.settings.limits)
        result = analyst.analyze(image, options)
    except ImageLensError as exc:
        return error_record(str(path), exc.to_dict())
    except OSError as exc:
        return error_record(
            str(path), {"type": "io_error", "message": str(exc), "retryable": False}
        )
    except Exception as exc:  # one file's bug must not stop the others nor print a traceback
        return error_record(
            str(path),
            {
                "type": "internal_error",
                "message": f"{type(exc).__name__}: {exc}",
                "retryable": False,
            },
        )
    return success_record(str(path), result, round((time.perf_counter() - start) * 1000, 2))


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
