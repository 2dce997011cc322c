"""The model cache: made once under a lock, in one step, dead temporary files cleared."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from imagelens.engine.local import modelcache


def test_processes_starting_together_make_a_model_once(tmp_path: Path) -> None:
    calls: list[int] = []

    def make(path: Path) -> None:
        calls.append(1)
        time.sleep(0.3)  # the others arrive while this one makes it
        path.write_bytes(b"model")

    threads = [
        threading.Thread(target=modelcache.ensure, args=(tmp_path, "m.onnx", make))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert (tmp_path / "m.onnx").read_bytes() == b"model"
    assert modelcache.cached(tmp_path, "m.onnx") == tmp_path / "m.onnx"


def test_a_failed_make_leaves_nothing_and_a_dead_ones_file_is_cleared(tmp_path: Path) -> None:
    dead = tmp_path / ".making-abc.onnx"
    dead.write_bytes(b"half a model")
    hour_ago = time.time() - 3600
    os.utime(dead, (hour_ago, hour_ago))

    def failing(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("the exporter failed")

    with pytest.raises(RuntimeError):
        modelcache.ensure(tmp_path, "m.onnx", failing)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".m.onnx.lock"]
    assert modelcache.cached(tmp_path, "m.onnx") is None


def test_a_cache_under_a_file_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("in the way")
    with pytest.raises(OSError):
        modelcache.ensure(tmp_path / "a-file" / "models", "m.onnx", Path.touch)
