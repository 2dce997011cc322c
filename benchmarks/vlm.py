"""Benchmark the VLM back-end's own overhead per request next to the server's time.

Run with ``make bench``. Starts ``transformers serve`` with the tests' tiny random LLaVA
(offline, built in seconds) and analyses a ~1 MP and a 12 MP image through ``VlmBackend``:
for each request, our time (image downscale + JPEG + base64, prompt and schema, JSON parsing,
validation, the repair round's bookkeeping) is the wall time minus the time spent waiting for
the server. Goal: <= 10 ms of our own time per image. Writes ``vlm.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.imagegen import encode, noise_photo, photo
from tests.live import free_port
from tests.tinyvlm import build_tiny_llava, serve

from imagelens.config import VlmSettings
from imagelens.engine.vlm.backend import VlmBackend
from imagelens.engine.vlm.prompts import image_part
from imagelens.errors import VlmError
from imagelens.intake import decode_image
from imagelens.types import ContentCategory, Language


def measure(backend: VlmBackend, data: bytes, rounds: int) -> dict[str, float]:
    image = decode_image(data)
    own: list[float] = []
    server: list[float] = []
    prepare: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        image_part(image.image, backend.settings)
        prepare.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        try:  # the random model's JSON is never valid: two calls, then a classified error
            answer = backend.analyze(image, category=ContentCategory.DOCUMENT, lang=Language.EN)
            wall, waited = (time.perf_counter() - start) * 1000, answer.server_ms
        except VlmError as exc:
            wall = (time.perf_counter() - start) * 1000
            waited = float(exc.details["server_ms"])
        own.append(wall - waited)
        server.append(waited)
    return {
        "width": image.metadata.width,
        "height": image.metadata.height,
        "own_ms_p50": round(statistics.median(own), 2),
        "own_ms_max": round(max(own), 2),
        "image_prep_ms_p50": round(statistics.median(prepare), 2),
        "server_ms_p50": round(statistics.median(server), 1),
        "goal_own_ms": 10,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    images = {
        "photo_1mp": encode(photo("coffee").resize((1200, 800)), "JPEG", quality=90),
        "photo_12mp": encode(noise_photo(4000, 3000), "JPEG", quality=90),
    }
    with tempfile.TemporaryDirectory() as tmp:
        model = build_tiny_llava(Path(tmp) / "model")
        with serve(model, free_port(), Path(tmp) / "cache") as url:
            settings = VlmSettings(base_url=url, max_tokens=16, max_retries=0)
            backend = VlmBackend(settings)
            report = {name: measure(backend, data, args.rounds) for name, data in images.items()}
            backend.close()
    print(json.dumps(report, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "vlm.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
