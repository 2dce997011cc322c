"""Helpers for the browser tests: Debian's Chromium under Playwright, and a watch on every
page for console errors, uncaught exceptions, failed requests and HTTP errors."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response

CHROMIUM = "/usr/bin/chromium"  # from Debian (the Makefile installs it); never downloaded
ARTIFACTS = Path(os.environ.get("IMAGELENS_TEST_ARTIFACTS", "build/test-artifacts")) / "web"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@dataclass
class Watch:
    """What went wrong on a page; ``allow`` names the HTTP errors a scenario provokes."""

    problems: list[str] = field(default_factory=list)
    allowed: list[tuple[int, re.Pattern[str]]] = field(default_factory=list)
    provoked: list[str] = field(default_factory=list)

    def allow(self, status: int, path: str) -> None:
        self.allowed.append((status, re.compile(path)))

    def _is_allowed(self, status: int, url: str) -> bool:
        return any(s == status and p.search(url) for s, p in self.allowed)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type not in ("error", "warning"):
            return
        text = message.text
        # Chrome logs every 4xx/5xx fetch as "Failed to load resource"; those are judged by
        # on_response against the allowed list, with their URL.
        if text.startswith("Failed to load resource: the server responded with a status of"):
            return
        self.problems.append(f"console {message.type}: {text}")

    def on_response(self, response: Response) -> None:
        if response.status >= 400:
            if self._is_allowed(response.status, response.url):
                self.provoked.append(f"{response.status} {response.url}")
            else:
                self.problems.append(f"HTTP {response.status} {response.url}")

    def on_request_failed(self, request: Request) -> None:
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def on_page_error(self, error: Exception) -> None:
        self.problems.append(f"uncaught: {error}")


@contextmanager
def watched_page(
    browser: Browser, base_url: str, viewport: dict[str, int] | None = None
) -> Iterator[tuple[Page, Watch]]:
    """A fresh browser context (no cookies) and page; on exit, asserts nothing went wrong
    that the scenario did not ask for."""
    context = browser.new_context(base_url=base_url, viewport=viewport or DESKTOP)  # type: ignore[arg-type]
    page = context.new_page()
    watch = Watch()
    page.on("console", watch.on_console)
    page.on("response", watch.on_response)
    page.on("requestfailed", watch.on_request_failed)
    page.on("pageerror", watch.on_page_error)
    try:
        yield page, watch
    finally:
        context.close()
    assert watch.problems == [], "\n".join(watch.problems)


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # A full-page picture shows lazy images below the fold too: load them all first.
    page.evaluate(
        """() => Promise.all([...document.images].map((img) => {
            img.loading = 'eager';
            return img.complete ? null : new Promise((r) => { img.onload = img.onerror = r; });
        }))"""
    )
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, key: str) -> None:
    page.goto("/")
    page.get_by_label("API key", exact=True).fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Analyse an image").wait_for()


def pictures_loaded(page: Page, selector: str, timeout: float = 30) -> None:
    """Wait until every picture ``selector`` finds has loaded. Polled from here: Playwright's
    wait_for_function polls by evaluating a string, which the page's CSP (no 'unsafe-eval')
    refuses once its first check comes back false."""
    pictures, deadline = page.locator(selector), time.monotonic() + timeout
    check = "imgs => imgs.every((img) => img.complete && img.naturalWidth > 0)"
    while not pictures.evaluate_all(check):
        assert time.monotonic() < deadline, f"{selector}: a picture never loaded"
        page.wait_for_timeout(100)
