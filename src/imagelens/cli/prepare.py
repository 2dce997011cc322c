"""``imagelens prepare``: convert the packaged models that need it, ahead of the first start."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from imagelens.cli.startup import settings_for, startup_errors


def prepare() -> None:
    """Make the models this machine converts from the packaged ones, into the model cache
    (IMAGELENS_ENGINE__MODEL_CACHE, default $XDG_CACHE_HOME/imagelens or ~/.cache/imagelens),
    once: the tagger's network exported to ONNX (without it the first process that loads
    the tagger does, ~4 s) and the small text detector quantised to INT8 (without it the
    detector runs in float, 3.3x slower). Nothing is downloaded: the weights ship in
    packages."""
    import onnxruntime

    from imagelens.engine.local import modelcache, tagnet
    from imagelens.engine.local.ocr import quantise

    with startup_errors():
        cache = settings_for(None).engine.model_cache
    where = modelcache.folder(cache)
    start = time.perf_counter()
    try:
        _usable(onnxruntime, tagnet.build, cache)
        _usable(onnxruntime, quantise.build, cache)
    except OSError as exc:
        typer.echo(
            f"imagelens: the model cache {where or '(no home folder)'} cannot be written "
            f"({exc}); set IMAGELENS_ENGINE__MODEL_CACHE to a writable folder",
            err=True,
        )
        raise typer.Exit(1) from exc
    except Exception as exc:  # the exporter's, onnx's or the quantiser's own errors
        typer.echo(f"imagelens: preparing the models failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    took = time.perf_counter() - start
    typer.echo(f"imagelens: models ready in {where} ({took:.1f} s)")


def _usable(onnxruntime: Any, build: Callable[..., Path], cache: Path | None) -> None:
    """Make the file with ``build``; made again once if ONNX Runtime cannot load it."""
    made = build(cache)
    try:
        onnxruntime.InferenceSession(str(made))
    except Exception:  # ONNX Runtime's errors share no narrower base: a damaged file
        onnxruntime.InferenceSession(str(build(cache, fresh=True)))
