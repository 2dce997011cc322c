"""Benchmark the table reader: cell accuracy and ms per page on the fixture set of
tests/tablegen.py (invoices and statements; ruled, zebra-striped, borderless), as degraded
images read through OCR and as PDFs through their text layer.

Prints a report and writes ``tables.json`` into ``--out``. Cell accuracy: the share of the
expected cells whose text was read exactly at their grid place (0 for a missed table). The
table reader's own time is counted apart from OCR's (what the reader adds to a page).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.imagegen import encode, photo, text_page
from tests.tablegen import INVOICE, STATEMENT, STYLES, image_fixture, table_pdf

from imagelens.config import load_settings
from imagelens.engine.local.ocr import RapidOcrAnalyzer
from imagelens.engine.tables import find_tables
from imagelens.intake import decode_image
from imagelens.types import Table

SETS = {"invoice": INVOICE, "statement": STATEMENT}


def accuracy(tables: list[Table], expected: tuple[tuple[str, ...], ...]) -> float:
    """Share of expected cells read exactly at their place in the first table."""
    if not tables:
        return 0.0
    got = [[cell.text for cell in row] for row in tables[0].rows]
    hits = sum(
        r < len(got) and c < len(got[r]) and got[r][c] == text
        for r, row in enumerate(expected)
        for c, text in enumerate(row)
    )
    return hits / sum(len(row) for row in expected)


def bench_tables(repeat: int = 3) -> dict[str, Any]:
    settings = load_settings()
    ocr = RapidOcrAnalyzer(settings.engine)
    ocr.load()
    rows: list[dict[str, Any]] = []
    for style in STYLES:
        for kind, expected in SETS.items():
            for source in ("image", "pdf"):
                if source == "image":
                    image = decode_image(
                        encode(image_fixture(style, expected).image, "JPEG", quality=80),
                        settings.limits,
                    )
                    start = time.perf_counter()
                    regions = ocr.run(image).regions
                    ocr_ms = (time.perf_counter() - start) * 1000
                    picture = image.image
                else:
                    document = decode_image(table_pdf(style, expected), settings.limits).document
                    assert document is not None
                    page = document.page(0)
                    regions, picture, ocr_ms = list(page.text), page.image, 0.0
                times = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    tables = find_tables(picture, regions)
                    times.append((time.perf_counter() - start) * 1000)
                rows.append(
                    {
                        "fixture": f"{style}-{kind}-{source}",
                        "tables": len(tables),
                        "header_rows": tables[0].header_rows if tables else None,
                        "cell_accuracy": round(accuracy(tables, expected), 3),
                        "tables_ms": round(min(times), 1),
                        "ocr_ms": round(ocr_ms, 1),
                    }
                )
    negatives = {"photo-coffee": photo("coffee"), "plain-text-page": text_page().image}
    false_tables = 0
    for picture in negatives.values():
        image = decode_image(encode(picture, "PNG"), settings.limits)
        false_tables += len(find_tables(image.image, ocr.run(image).regions))
    return {
        "fixtures": rows,
        "cell_accuracy": round(sum(r["cell_accuracy"] for r in rows) / len(rows), 3),
        "tables_ms_mean": round(sum(r["tables_ms"] for r in rows) / len(rows), 1),
        "false_tables_on_negatives": false_tables,
        "model": "none: no table-structure model ships inside a wheel (see engine/tables)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for tables.json")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    report = bench_tables(args.repeat)
    for row in report["fixtures"]:
        print(
            f"{row['fixture']:<28} tables={row['tables']} header={row['header_rows']} "
            f"cells={row['cell_accuracy']:.3f} tables={row['tables_ms']:.1f} ms "
            f"(ocr {row['ocr_ms']:.0f} ms)"
        )
    print(
        f"cell accuracy {report['cell_accuracy']:.3f}, {report['tables_ms_mean']:.1f} ms a page "
        f"for the table reader, {report['false_tables_on_negatives']} tables on a photo and "
        "a plain page"
    )
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "tables.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
