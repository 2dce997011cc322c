"""``imagelens prepare``: convert the packaged models that need it, ahead of the first start."""

from __future__ import annotations

import time

import typer

from imagelens.cli.startup import settings_for, startup_errors


def prepare() -> None:
    """Export the tagger's network to ONNX into the model cache (IMAGELENS_ENGINE__MODEL_CACHE,
    default ~/.cache/imagelens), once per machine. Without it the first process that loads
    the tagger does it (~4 s). Nothing is downloaded: the weights ship in a package."""
    from imagelens.engine.local import tagnet

    with startup_errors():
        cache = settings_for(None).engine.model_cache
    folder = cache or tagnet.default_cache_dir()
    start = time.perf_counter()
    tagnet.graph(cache)
    took = time.perf_counter() - start
    typer.echo(f"imagelens: models ready in {folder} ({took:.1f} s)")
