"""Benchmark the web page's first view on loopback: page weight and first paint.

Starts ``imagelens serve`` (SQLite, fresh data dir), then loads ``/`` in Debian's Chromium
(Playwright, a new browser context each time, so nothing is cached) ``--rounds`` times and
reports, per load: bytes transferred for the first view (goal < 300 KB), first contentful
paint and the time until the sign-in form is usable (goal: first paint < 1 s), and the same
for a signed-in reload of the Analyse view with a warm cache. Prints a report and writes
``web.json`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Response, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live import free_port, spawn_server
from tests.web import CHROMIUM

KEY = "il_benchmark_key_000000000000000000"


def _paint_ms(page: Page) -> float:
    value = page.evaluate(
        "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
    )
    return float(value or 0)


def _weigh(page: Page) -> list[int]:
    sizes: list[int] = []

    def on_response(response: Response) -> None:
        if response.ok:
            sizes.append(len(response.body()))

    page.on("response", on_response)
    return sizes


def measure(base: str, rounds: int) -> dict[str, Any]:
    cold_paint: list[float] = []
    cold_ready: list[float] = []
    weights: list[int] = []
    warm_ready: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for _ in range(rounds):
            context = browser.new_context(base_url=base)
            page = context.new_page()
            sizes = _weigh(page)
            started = time.perf_counter()
            page.goto("/")
            page.get_by_label("API key", exact=True).wait_for()
            cold_ready.append((time.perf_counter() - started) * 1000)
            cold_paint.append(_paint_ms(page))
            page.wait_for_load_state("networkidle")
            weights.append(sum(sizes))
            # Signed in, cached: how fast the Analyse view comes back on a reload.
            page.get_by_label("API key", exact=True).fill(KEY)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("heading", name="Analyse an image").wait_for()
            started = time.perf_counter()
            page.reload()
            page.get_by_role("heading", name="Analyse an image").wait_for()
            warm_ready.append((time.perf_counter() - started) * 1000)
            context.close()
        browser.close()
    return {
        "rounds": rounds,
        "first_view_bytes": max(weights),
        "first_view_goal_bytes": 300 * 1024,
        "first_contentful_paint_ms_p50": round(statistics.median(cold_paint), 1),
        "first_contentful_paint_ms_max": round(max(cold_paint), 1),
        "sign_in_form_ready_ms_p50": round(statistics.median(cold_ready), 1),
        "first_paint_goal_ms": 1000,
        "signed_in_reload_ready_ms_p50": round(statistics.median(warm_ready), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"IMAGELENS_BOOTSTRAP_API_KEY": KEY, "IMAGELENS_LOG_LEVEL": "WARNING"}
        server = spawn_server(Path(tmp), port, env)
        try:
            report = measure(f"http://127.0.0.1:{port}", args.rounds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps(report, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "web.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
