"""The library's search in a real browser (Debian's Chromium under Playwright) against the
real server and models: search by meaning with the matched words marked (and a snippet that
carries markup staying text), an image's visual neighbours, and search by a dropped image."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from imagelens.engine import Engine
from tests import imagegen
from tests.layouts import receipt
from tests.live import LiveServer, make_settings, run_server
from tests.web import CHROMIUM, screenshot, sign_in, watched_page

API = "/api/v2"


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("web-search")
    settings = make_settings(data_dir, f"sqlite:///{data_dir / 'imagelens.db'}")
    with run_server(settings, engine) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def library(server: LiveServer) -> dict[str, str]:
    """A cat, a cup of coffee, a rocket, a receipt, and a page whose text looks like markup."""
    sources = {
        "IMG_0001.jpg": imagegen.photo("chelsea"),
        "IMG_0002.jpg": imagegen.photo("coffee"),
        "IMG_0003.jpg": imagegen.photo("rocket"),
        "scan0001.png": receipt().image,
        "scan0002.png": imagegen.text_page(
            ("<img src=x onerror=alert(1)> receipt", "<b>bold</b> note"), size=(1100, 300)
        ).image,
    }
    ids = {}
    with server.client(timeout=180) as client:
        for name, image in sources.items():
            body = client.post(
                f"{API}/images/analyze",
                files={"file": (name, imagegen.encode(image, "JPEG", quality=85))},
                data={"timeout": "120"},
            ).json()
            assert body["status"] == "completed", body
            ids[name] = body["image_id"]
    return ids


@pytest.mark.usefixtures("library")
def test_search_by_meaning_marks_the_matched_words(browser: Browser, server: LiveServer) -> None:
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        page.get_by_role("link", name="Library").click()
        page.get_by_label("Search text").fill("receipt")
        with page.expect_response(lambda r: "/api/v2/search?" in r.url) as answer:
            page.get_by_role("button", name="Search").click()
        assert "mode=hybrid" in answer.value.url
        tiles = page.get_by_role("list", name="Images").get_by_role("link")
        expect(tiles.first).to_contain_text("scan0")  # the till receipt and the note say it
        assert {tiles.nth(i).locator(".name").inner_text() for i in (0, 1)} == {
            "scan0001.png",
            "scan0002.png",
        }
        expect(page.get_by_role("status")).to_contain_text("best match first")
        marks = page.locator(".tile .snippet mark")
        expect(marks.first).to_be_visible()
        assert marks.first.inner_text().lower().startswith("receipt")
        # A snippet's own "<img …>" or "<b>" is text: no element came of it.
        assert page.locator(".tile .snippet img, .tile .snippet b").count() == 0
        expect(page.locator(".tile .snippet").filter(has_text="<img src=x")).to_have_count(1)
        screenshot(page, "library-search")
        page.get_by_label("Search text").fill("Katze")  # German for cat: found by meaning
        page.get_by_role("button", name="Search").click()
        expect(tiles.first).to_contain_text("IMG_0001.jpg")


def test_an_image_page_shows_its_visual_neighbours(
    browser: Browser, server: LiveServer, library: dict[str, str]
) -> None:
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        with page.expect_response(lambda r: "/similar?mode=visual" in r.url) as answer:
            page.goto(f"/#/library/{library['IMG_0001.jpg']}")
        assert answer.value.ok
        neighbours = page.get_by_role("list", name="Visual neighbours").get_by_role("link")
        expect(neighbours.first).to_be_visible()
        assert neighbours.count() >= 3
        expect(neighbours.first).to_contain_text("score")
        hrefs = [neighbours.nth(i).get_attribute("href") or "" for i in range(neighbours.count())]
        assert not any(h.endswith(library["IMG_0001.jpg"]) for h in hrefs)  # not itself


_DROP = """([name, b64]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, { type: 'image/jpeg' }));
    const how = { bubbles: true, cancelable: true, dataTransfer: data };
    const box = document.querySelector('form[role=search]');
    box.dispatchEvent(new DragEvent('dragover', how));
    box.dispatchEvent(new DragEvent('drop', how));
}"""


@pytest.mark.usefixtures("library")
def test_an_image_dropped_on_the_search_box_searches_by_image(
    browser: Browser, server: LiveServer
) -> None:
    cat = imagegen.photo("chelsea")
    w, h = cat.size
    other_shot = cat.crop((30, 15, w - 35, h - 20)).resize((260, 180))
    dropped = base64.b64encode(imagegen.encode(other_shot, "JPEG", quality=80)).decode()
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        page.get_by_role("link", name="Library").click()
        page.get_by_role("list", name="Images").get_by_role("link").first.wait_for()
        with page.expect_response(lambda r: "/api/v2/search/image" in r.url) as answer:
            page.evaluate(_DROP, ["my-cat.jpg", dropped])
        assert answer.value.ok
        tiles = page.get_by_role("list", name="Images").get_by_role("link")
        expect(page.get_by_role("status")).to_contain_text("look like my-cat.jpg")
        expect(tiles.first).to_contain_text("IMG_0001.jpg")
    with server.client() as client:  # the query image was not stored
        assert len(client.get(f"{API}/files", params={"limit": 100}).json()["items"]) == 5
