from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from imagelens.engine import Engine
from imagelens.engine.runtime import LazyModel
from imagelens.errors import ModelUnavailable
from tests.imagegen import encode, photo


def test_lazy_model_loads_once_under_contention() -> None:
    calls = 0
    gate = threading.Event()

    def loader() -> object:
        nonlocal calls
        calls += 1
        gate.wait(1)
        time.sleep(0.05)
        return object()

    model: LazyModel[object] = LazyModel("test", loader)
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(model.get) for _ in range(8)]
        gate.set()
        results = {id(f.result()) for f in futures}
    assert calls == 1 and len(results) == 1 and model.loaded


def test_a_model_that_cannot_load_is_a_classified_error() -> None:
    def loader() -> object:
        raise FileNotFoundError("weights missing")

    with pytest.raises(ModelUnavailable, match="weights missing") as info:
        LazyModel("tagger", loader).get()
    assert info.value.retryable


def test_engine_serves_threads_at_once(engine: Engine) -> None:
    images = [encode(photo(n)) for n in ("chelsea", "coffee")] * 3
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(engine.analyze, images))
    assert all("cat" in r.tags for r in results[0::2])
    assert all("espresso" in r.tags for r in results[1::2])
