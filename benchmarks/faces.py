"""Faces: detection cost by image size, descriptor cost per face, recall on group photos.

    python -m benchmarks.faces [--seeds 4] [--out benchmarks/results]

Detection is the ``faces`` analyzer's whole run (YuNet pyramid + dlib 5-point chips) on a
composed group photo (tests/facegen.py: real faces at 40-200 px, turned, mirrored, blurred,
relit, JPEG'd on a real photo) resized to each size; recall counts the pasted faces found,
at the composed size and at 2.5 times it (a 3442 px photo: the tiled pass). The sections are
functions that return dicts; main gathers them into faces.json (later sections, e.g.
assignment at scale, add a function and a line in ``SECTIONS``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import facegen, imagegen

from imagelens.engine.local.faces import FaceAnalyzer, FaceEmbedder
from imagelens.intake import decode_image

SIZES = ((640, 480), (1280, 960), (2048, 1536), (4000, 3000))


def detection(seeds: int) -> dict[str, object]:  # noqa: ARG001 (a section's signature)
    """ms per image by size (median of 3 runs)."""
    analyzer = FaceAnalyzer()
    analyzer.load()
    group = facegen.group_photo(0).image
    out: dict[str, object] = {}
    for width, height in SIZES:
        decoded = decode_image(imagegen.encode(group.resize((width, height)), "JPEG"))
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            analyzer.run(decoded)
            runs.append((time.perf_counter() - started) * 1000)
        out[f"{width}x{height}"] = round(statistics.median(runs), 1)
        print(f"detection {width}x{height}: {out[f'{width}x{height}']} ms")
    return {"ms_per_image": out}


def recall(seeds: int) -> dict[str, object]:
    """Share of pasted faces (>= 40 px in the original) found, and extra boxes."""
    analyzer = FaceAnalyzer()
    out: dict[str, object] = {}
    for scale in (1.0, 2.5):
        rates, extra = [], 0
        for seed in range(seeds):
            group = facegen.group_photo(seed)
            image = group.image.resize((round(group.image.width * scale),) * 2)
            truth = [(round(x * scale), round(y * scale), round(w * scale), round(h * scale))
                     for x, y, w, h in group.boxes]  # fmt: skip
            decoded = decode_image(imagegen.encode(image, "JPEG", quality=90))
            faces = analyzer.run(decoded).faces
            w, h = image.size
            boxes = [(f.bbox.x * w, f.bbox.y * h, f.bbox.width * w, f.bbox.height * h)
                     for f in faces]  # fmt: skip
            rate = facegen.recall(boxes, truth)
            rates.append(rate)
            extra += len(faces) - round(rate * len(truth))
        key = f"{image.width}px"
        out[key] = {"recall": round(statistics.mean(rates), 3), "extra_boxes": extra}
        print(f"recall at {key}: {out[key]}")
    return {"group_photos": seeds, "by_size": out}


def embedding(seeds: int) -> dict[str, object]:  # noqa: ARG001 (a section's signature)
    """ms per face for dlib's ResNet descriptor, one face and a batch of 8."""
    analyzer, embedder = FaceAnalyzer(), FaceEmbedder()
    embedder.load()
    face = analyzer.run(decode_image(imagegen.encode(facegen.source("astronaut")))).faces[0]
    assert face.chip is not None
    out: dict[str, object] = {}
    for batch in (1, 8):
        started = time.perf_counter()
        for _ in range(3):
            embedder.embed([face.chip] * batch)
        out[f"batch_{batch}"] = round((time.perf_counter() - started) * 1000 / (3 * batch), 1)
        print(f"embedding, batch {batch}: {out[f'batch_{batch}']} ms per face")
    return {"ms_per_face": out, "model": embedder.version}


SECTIONS: dict[str, Callable[[int], dict[str, object]]] = {
    "detection": detection,
    "recall": recall,
    "embedding": embedding,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=4, help="composed group photos")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    report = {name: run(args.seeds) for name, run in SECTIONS.items()
              if not args.only or name in args.only}  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "faces.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
