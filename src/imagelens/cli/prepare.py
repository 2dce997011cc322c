"""``imagelens prepare``: convert the packaged models that need it, ahead of the first start."""

from __future__ import annotations

import subprocess
import time

import typer

from imagelens.cli.startup import settings_for, startup_errors


def prepare() -> None:
    """Export the tagger's network to ONNX into the model cache (IMAGELENS_ENGINE__MODEL_CACHE,
    default $XDG_CACHE_HOME/imagelens or ~/.cache/imagelens), once per machine. Without it
    the first process that loads the tagger does (~4 s). Nothing is downloaded: the weights
    ship in a package."""
    import onnxruntime

    from imagelens.engine.local import modelcache, tagnet

    with startup_errors():
        cache = settings_for(None).engine.model_cache
    where = modelcache.folder(cache)
    start = time.perf_counter()
    try:
        try:
            onnxruntime.InferenceSession(tagnet.graph(cache))
        except Exception:  # ONNX Runtime's errors share no narrower base: a damaged file
            onnxruntime.InferenceSession(tagnet.graph(cache, fresh=True))
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        typer.echo(f"imagelens: {exc}", err=True)
        raise typer.Exit(1) from exc
    if modelcache.cached(cache, tagnet.cache_name()) is None:
        typer.echo(
            f"imagelens: the model cache {where or '(no home folder)'} cannot be written; "
            "set IMAGELENS_ENGINE__MODEL_CACHE to a writable folder",
            err=True,
        )
        raise typer.Exit(1)
    took = time.perf_counter() - start
    typer.echo(f"imagelens: models ready in {where} ({took:.1f} s)")
