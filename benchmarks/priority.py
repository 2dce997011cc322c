"""Benchmark CPU priorities: work someone waits on vs background jobs, on a busy machine.

Analyses run at the priority of the thread that asks (engine lanes, see
``imagelens.engine.runtime.ByPriority``): a synchronous request, describe-image and the CLI
at full priority, background jobs at ``IMAGELENS_ENGINE__NICE`` (10). Before the lanes,
every analysis ran at nice 10, which is what the background lane measures here.

Measured in one run, p50 of ``--repeats`` analyses per case: each lane on a quiet machine,
then each lane while ``--hogs`` busy processes (nice 0, one per core by default) load the
CPU. Goal: under load, the full-priority lane at least 2x faster than the niced one.
Prints a report and writes ``priority.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.imagegen import encode, photo
from tests.layouts import phone_screenshot

from imagelens.config import load_settings
from imagelens.engine import Engine
from imagelens.engine.runtime import run_at_priority
from imagelens.intake import DecodedImage, decode_image

HOG = "while True: pass"


@contextmanager
def busy_cpu(processes: int) -> Iterator[None]:
    """``processes`` busy loops at nice 0: the rest of a shared machine, at its worst."""
    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(processes)]
    try:
        time.sleep(0.5)
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def p50_ms(analyse: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        analyse()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def lanes(engine: Engine, image: DecodedImage, nice: int, repeats: int) -> dict[str, float]:
    return {
        "full_priority": p50_ms(lambda: engine.analyze(image), repeats),
        f"background_nice{nice}": p50_ms(
            lambda: run_at_priority(nice, lambda: engine.analyze(image)), repeats
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--hogs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    settings = load_settings()
    nice = settings.engine.nice
    corpus = {
        "phone_screenshot_1080x2400": encode(phone_screenshot("light").image),
        "photo_chelsea": encode(photo("chelsea"), "JPEG"),
    }
    report: dict[str, Any] = {"cores": os.cpu_count(), "hogs": args.hogs, "nice": nice}
    with Engine(settings) as engine:
        report["warmup_s"] = round(engine.warmup(), 2)
        images = {name: decode_image(data, settings.limits) for name, data in corpus.items()}
        for image in images.values():
            lanes(engine, image, nice, 2)  # the lanes' first calls, out of the figures
        quiet = {name: lanes(engine, image, nice, args.repeats) for name, image in images.items()}
        with busy_cpu(args.hogs):
            loaded = {
                name: lanes(engine, image, nice, args.repeats) for name, image in images.items()
            }
    report["quiet_p50_ms"] = quiet
    report["busy_p50_ms"] = loaded
    report["busy_niced_over_full_priority"] = {
        name: round(loaded[name][f"background_nice{nice}"] / loaded[name]["full_priority"], 2)
        for name in images
    }
    report["busy_full_priority_over_quiet"] = {
        name: round(loaded[name]["full_priority"] / quiet[name]["full_priority"], 2)
        for name in images
    }
    report["goals"] = {
        "busy_full_priority_ge_2x_faster_than_niced": all(
            ratio >= 2 for ratio in report["busy_niced_over_full_priority"].values()
        )
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "priority.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(f"\nwritten to {args.out / 'priority.json'}")


if __name__ == "__main__":
    main()
