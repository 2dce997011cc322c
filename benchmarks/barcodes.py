"""Benchmark barcode reading: decode rate and time on a seeded set of degraded photographed
codes (tests/barcodegen.py), ours (the barcodes analyzer) beside bare zxing-cpp on the same
images, plus the cost on photos without any code.

Prints a report and writes ``barcodes.json`` into ``--out``. Goal: ours decodes >= 95% of
what bare zxing-cpp decodes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import zxingcpp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.barcodegen import degraded_set
from tests.imagegen import encode, photo

from imagelens.config import load_settings
from imagelens.engine.local.barcodes import ZxingBarcodeReader
from imagelens.intake import decode_image


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def bench_barcodes(n: int) -> dict[str, Any]:
    """Decode rate and ms per image, ours vs bare zxing-cpp, by symbology."""
    limits = load_settings().limits
    reader = ZxingBarcodeReader()
    reader.load()
    samples = degraded_set(n)
    decoded = [decode_image(encode(s.image, "PNG"), limits) for s in samples]
    by_kind: dict[str, dict[str, int]] = {}
    ours_ms: list[float] = []
    bare_ms: list[float] = []
    for sample, image in zip(samples, decoded, strict=True):
        start = time.perf_counter()
        ours = reader.run(image).codes
        ours_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        bare = zxingcpp.read_barcodes(image.image)  # its defaults, on the PIL image
        bare_ms.append((time.perf_counter() - start) * 1000)
        row = by_kind.setdefault(sample.format, {"n": 0, "ours": 0, "bare": 0})
        row["n"] += 1
        row["ours"] += any(c.value == sample.value for c in ours)
        row["bare"] += any(c.text == sample.value for c in bare)
    ours_hits = sum(r["ours"] for r in by_kind.values())
    bare_hits = sum(r["bare"] for r in by_kind.values())
    plain = [decode_image(encode(photo(name), "JPEG"), limits) for name in ("chelsea", "coffee")]
    plain += [
        dataclasses.replace(
            p, image=p.image.resize((1280, round(1280 * p.image.height / p.image.width)))
        )
        for p in plain
    ]
    none_ms: list[float] = []
    for image in plain * 3:
        start = time.perf_counter()
        reader.run(image)
        none_ms.append((time.perf_counter() - start) * 1000)
    return {
        "images": n,
        "ours_decoded": ours_hits,
        "bare_decoded": bare_hits,
        "ours_vs_bare": round(ours_hits / bare_hits, 3) if bare_hits else None,
        "goal_met": bare_hits == 0 or ours_hits >= 0.95 * bare_hits,
        "by_format": by_kind,
        "ours_ms": {"p50": pct(ours_ms, 0.5), "p95": pct(ours_ms, 0.95)},
        "bare_ms": {"p50": pct(bare_ms, 0.5), "p95": pct(bare_ms, 0.95)},
        "no_code_photo_ms": {"p50": pct(none_ms, 0.5), "max": round(max(none_ms), 2)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--images", type=int, default=120)
    args = parser.parse_args()
    report = bench_barcodes(args.images)
    print(f"barcodes on {report['images']} degraded photos")
    print(
        f"  decoded: ours {report['ours_decoded']}, bare zxing-cpp {report['bare_decoded']} "
        f"(ratio {report['ours_vs_bare']}, goal >= 0.95: {report['goal_met']})"
    )
    for fmt, row in report["by_format"].items():
        print(f"  {fmt:10s} {row['ours']:3d} / {row['bare']:3d} of {row['n']}")
    print(f"  ms per image: ours {report['ours_ms']}, bare {report['bare_ms']}")
    print(f"  photos without a code: {report['no_code_photo_ms']} ms")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "barcodes.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
