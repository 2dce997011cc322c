from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from imagelens.config import Settings
from imagelens.engine import Engine
from imagelens.engine.local.moderation import NudeNetModerator
from imagelens.engine.local.ocr import RapidOcrAnalyzer
from imagelens.engine.runtime import LazyModel, run_at_priority, thread_niceness
from imagelens.errors import ModelUnavailable
from imagelens.intake import DecodedImage, decode_image
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


# --- priorities: work someone waits on at full priority, background work niced ---------------


def _tasks() -> set[int]:
    return {int(tid) for tid in os.listdir("/proc/self/task")}


def _nice(tid: int) -> int | None:
    try:
        stat = Path(f"/proc/self/task/{tid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # the thread ended since it was listed
        return None
    return int(stat.rsplit(")", 1)[1].split()[16])  # field 19 of proc(5), after "comm)"


class _PriorityProbe:
    """An analyzer that records the nice value of the thread it runs in."""

    name = "probe"
    version = "probe 1"

    def __init__(self) -> None:
        self.seen: list[int] = []

    def load(self) -> None:
        return None

    def run(self, image: DecodedImage) -> None:
        del image
        self.seen.append(thread_niceness())


def test_analyzers_run_at_the_priority_of_the_calling_thread(settings: Settings) -> None:
    probe = _PriorityProbe()
    image = decode_image(encode(photo("chelsea")), settings.limits)
    with Engine(settings, analyzers=[probe]) as engine:
        engine.analyze(image)
        run_at_priority(7, lambda: engine.analyze(image))
        engine.analyze(image)
    assert probe.seen == [0, 7, 0]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_model_threads_keep_the_priority_of_the_lane_that_loaded_them(
    settings: Settings,
) -> None:
    """ONNX Runtime's worker threads inherit their creator's nice value and cannot be lowered
    again: each lane (nice value) gets its own sessions, and their threads have its nice."""
    engine_settings = settings.engine.model_copy(update={"threads": 2, "side_threads": 2})
    ocr, moderation = RapidOcrAnalyzer(engine_settings), NudeNetModerator(engine_settings)

    def load() -> None:
        ocr.load()
        moderation.load()

    lanes = {}
    for niceness in (7, 0):
        before = _tasks()
        run_at_priority(niceness, load)
        # Threads that ended meanwhile (the loading thread itself) read as None.
        lanes[niceness] = [n for tid in _tasks() - before if (n := _nice(tid)) is not None]
    assert lanes[7] and set(lanes[7]) == {7}
    assert lanes[0] and set(lanes[0]) == {0}
    # Both lanes read the same text.
    image = decode_image(encode(photo("chelsea")), settings.limits)
    background = run_at_priority(7, lambda: ocr.run(image))
    assert background == ocr.run(image)
