"""The web page in a real browser (Debian's Chromium driven by Playwright) against the real
server with the real models: sign-in, analysis with text boxes, library, batches, keys,
describe-image and errors, with no console error, failed request or CSP violation."""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import update

from imagelens.db import Database
from imagelens.db.tables import Tenant
from imagelens.engine import Engine
from tests import imagegen, pdfs, videos
from tests.live import LiveServer, make_settings, run_server
from tests.web import CHROMIUM, PHONE, pictures_loaded, screenshot, sign_in, watched_page
from tests.webhookrecv import receiver

API = "/api/v2"


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("web")
    settings = make_settings(
        data_dir,
        f"sqlite:///{data_dir / 'imagelens.db'}",
        max_batch=8,
        secret_key="web-tests-secret-key-0123456789",  # webhooks keep their secrets sealed
    )
    with run_server(settings, engine) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web-files")
    imagegen.photo("chelsea").save(root / "chelsea.jpg", quality=90)
    imagegen.photo("coffee").save(root / "coffee.jpg", quality=90)
    imagegen.photo("astronaut").save(root / "astronaut.jpg", quality=90)
    imagegen.photo("rocket").save(root / "rocket.jpg", quality=90)
    (root / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00garbage" * 200)
    (root / "bomb.png").write_bytes(imagegen.huge_png(12_000, 10_000))  # 120 MP: over the limit
    return root


def _result(page: Page, filename: str) -> None:
    page.locator("article.result", has=page.get_by_role("heading", name=filename)).wait_for(
        timeout=90_000
    )


def test_a_wrong_key_gets_a_clear_message(browser: Browser, server: LiveServer) -> None:
    with watched_page(browser, server.base_url) as (page, watch):
        watch.allow(401, r"/web/session$")
        page.goto("/")
        page.get_by_label("API key", exact=True).fill("il_this-key-does-not-exist")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("not accepted")
        assert page.context.cookies() == []
        assert watch.provoked  # the 401 was seen, and allowed


def test_sign_in_by_keyboard_and_analyse_a_photo(
    browser: Browser, server: LiveServer, files: Path
) -> None:
    with watched_page(browser, server.base_url) as (page, _):
        page.goto("/")
        expect(page.get_by_label("API key", exact=True)).to_be_focused()
        page.keyboard.type(server.key)
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Analyse an image").wait_for()
        assert server.key not in page.content()
        cookie = page.context.cookies()[0]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert server.key not in page.url

        page.get_by_label("Choose images").set_input_files(files / "chelsea.jpg")
        _result(page, "chelsea.jpg")
        result = page.locator("article.result")
        expect(result.locator(".description")).to_contain_text("cat")
        expect(result.get_by_role("list", name="Tags")).to_contain_text("cat")
        expect(result.get_by_role("heading", name="Timings")).to_be_visible()
        stray = "a => [...a.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent)"
        assert result.evaluate(stray) == []  # no section printed as "null"
        assert page.locator("img.subject").evaluate("img => img.naturalWidth") == 451
        result.get_by_text("curl", exact=True).click()
        expect(result.locator("pre.code").last).to_contain_text("$IMAGELENS_API_KEY")
        screenshot(page, "analyze-desktop")


def test_text_boxes_sit_over_their_words(
    browser: Browser, server: LiveServer, tmp_path: Path
) -> None:
    lines = ("Harbour lights shine", "Fresh bread daily", "North gate at noon")
    page_image = imagegen.text_page(lines, size=(1000, 460), font_size=46, spacing=2.2)
    path = tmp_path / "sign.png"
    page_image.image.save(path)
    width, height = page_image.image.size
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        page.get_by_label("Choose images").set_input_files(path)
        _result(page, "sign.png")
        frame = page.locator("img.subject").bounding_box()
        assert frame is not None
        boxes = page.locator("button.box")
        drawn = []
        for i in range(boxes.count()):
            rect = boxes.nth(i).bounding_box()
            assert rect is not None
            drawn.append(
                (
                    boxes.nth(i).get_attribute("data-text") or "",
                    (
                        (rect["x"] - frame["x"]) / frame["width"],
                        (rect["y"] - frame["y"]) / frame["height"],
                        (rect["x"] + rect["width"] - frame["x"]) / frame["width"],
                        (rect["y"] + rect["height"] - frame["y"]) / frame["height"],
                    ),
                )
            )
        words = dict(page_image.word_boxes)
        for line in lines:
            x0 = min(words[w][0] for w in line.split()) / width
            y0 = min(words[w][1] for w in line.split()) / height
            x1 = max(words[w][2] for w in line.split()) / width
            y1 = max(words[w][3] for w in line.split()) / height
            box = next((b for text, b in drawn if line.split()[0] in text), None)
            assert box is not None, (line, drawn)
            assert _iou((x0, y0, x1, y1), box) > 0.5, (line, box, (x0, y0, x1, y1))
        # Hover and keyboard focus both show the line's text and confidence.
        first = boxes.first
        first.hover()
        expect(first.locator(".tip")).to_be_visible()
        expect(first.locator(".tip")).to_contain_text("confidence")
        page.mouse.move(0, 0)
        boxes.nth(1).focus()
        expect(boxes.nth(1).locator(".tip")).to_be_visible()


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def test_library_search_detail_and_delete(browser: Browser, server: LiveServer) -> None:
    word = "Zanzibar"
    page_image = imagegen.text_page(
        (f"{word} spice market", "Open every morning"), size=(900, 400), font_size=44
    )
    name = f"market-{uuid.uuid4().hex[:6]}.png"
    with server.client() as client:
        done = client.post(
            f"{API}/images/analyze", files={"file": (name, imagegen.encode(page_image.image))}
        ).json()
        assert done["status"] == "completed", done
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        page.get_by_role("link", name="Library").click()
        page.get_by_label("Search text").fill(word.lower())
        page.get_by_role("button", name="Search").click()
        tiles = page.get_by_role("list", name="Images").get_by_role("link")
        expect(tiles.first).to_contain_text(name)  # search by meaning ranks: best match first
        screenshot(page, "library-desktop")
        tiles.first.click()
        _result(page, name)
        expect(page.locator("pre.visible-text")).to_contain_text(word)
        expect(page.get_by_role("heading", name="Similar images")).to_be_visible()
        english = page.locator(".description").inner_text()
        page.get_by_label("Language", exact=True).select_option("de")
        page.get_by_role("button", name="Re-analyse").click()
        expect(page.get_by_text("Re-analysed.")).to_be_visible(timeout=60_000)
        expect(page.locator(".description")).not_to_have_text(english)
        expect(page.locator("article.result")).to_contain_text("de")  # Metadata: Language
        page.get_by_role("button", name="Delete image").click()
        dialog = page.locator("dialog.confirm")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Delete").click()
        page.get_by_role("heading", name="Library").wait_for()
    with server.client() as client:
        assert client.get(f"{API}/files/{done['image_id']}").status_code == 404


def test_a_batch_of_five_with_one_corrupt_file(
    browser: Browser, server: LiveServer, files: Path
) -> None:
    picked = [
        files / n
        for n in ("chelsea.jpg", "coffee.jpg", "astronaut.jpg", "rocket.jpg", "corrupt.jpg")
    ]
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        page.get_by_role("link", name="Batch").click()
        # The analyse view has a "Choose images" picker too: wait until the batch view is in.
        expect(page.get_by_role("heading", name="Batch upload")).to_be_visible()
        page.get_by_label("Choose images").set_input_files(picked)
        summary = page.locator(".summary")
        expect(summary).to_have_text("5/5 done · 1 failed", timeout=120_000)
        failed = page.locator("tr", has_text="corrupt.jpg")
        expect(failed.locator(".status")).to_have_text("failed")
        assert len(failed.locator("td").nth(2).inner_text()) > 10  # says why
        screenshot(page, "batch-desktop")
        failed.get_by_role("button", name="Retry").click()
        expect(summary).to_have_text("5/5 done · 1 failed", timeout=60_000)
        ok = page.locator("tr", has_text="coffee.jpg")
        expect(ok.locator(".status")).to_have_text("completed")
        expect(ok.get_by_role("link", name="Open")).to_be_visible()


def test_create_a_key_see_it_once_and_revoke_it(browser: Browser, server: LiveServer) -> None:
    name = f"browser-{uuid.uuid4().hex[:6]}"
    with watched_page(browser, server.base_url) as (page, watch):
        watch.allow(401, r"/web/session$")
        sign_in(page, server.key)
        page.get_by_role("link", name="Admin").click()
        expect(page.get_by_role("heading", name="Quota and rate limit")).to_be_visible()
        page.get_by_label("Key name").fill(name)
        page.get_by_role("button", name="Create key").click()
        shown = page.locator("code.new-key")
        expect(shown).to_have_text(re.compile(r"^il_\S{20,}$"))
        new_key = shown.inner_text()
        expect(page.get_by_role("button", name="Copy key")).to_be_visible()
        expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
        screenshot(page, "admin-desktop")
        page.reload()
        page.get_by_role("heading", name="Keys").wait_for()
        assert new_key not in page.content()  # shown once, never again
        page.get_by_role("button", name=f"Revoke {name}").click()
        page.locator("dialog.confirm").get_by_role("button", name="Revoke").click()
        expect(page.get_by_role("cell", name=name, exact=True)).to_have_count(0)
        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("API key", exact=True).fill(new_key)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("not accepted")


def test_add_a_webhook_test_it_and_delete_it(browser: Browser, server: LiveServer) -> None:
    with receiver() as recv, watched_page(browser, server.base_url) as (page, watch):
        watch.allow(401, r"/web/session$")
        sign_in(page, server.key)
        page.get_by_role("link", name="Admin").click()
        page.get_by_label("URL").fill(f"{recv.base_url}/web")
        page.get_by_role("button", name="Add webhook").click()
        secret = page.locator(".webhooks code.new-key")
        expect(secret).to_have_text(re.compile(r"^whsec_\S{20,}$"))
        expect(page.get_by_role("cell", name=f"{recv.base_url}/web", exact=True)).to_be_visible()
        page.get_by_role("button", name=f"Send a test to {recv.base_url}/web").click()
        assert len(recv.wait("/web", 1)) == 1
        with server.client() as client:  # recorded once the receiver's answer is in
            hook_id = client.get("/api/v2/webhooks").json()["webhooks"][0]["webhook_id"]
            for _ in range(100):
                rows = client.get(f"/api/v2/webhooks/{hook_id}/deliveries").json()
                if rows["deliveries"][0]["status"] == "delivered":
                    break
                time.sleep(0.1)
        page.get_by_role("button", name=f"Deliveries to {recv.base_url}/web").click()
        expect(page.locator(".webhooks").get_by_role("cell", name="delivered")).to_be_visible()
        page.get_by_role("button", name=f"Delete the webhook {recv.base_url}/web").click()
        page.locator("dialog.confirm").get_by_role("button", name="Delete").click()
        expect(page.get_by_role("cell", name=f"{recv.base_url}/web", exact=True)).to_have_count(0)


def test_describe_playground_renders_markdown_safely(
    browser: Browser, server: LiveServer, files: Path
) -> None:
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        page.get_by_role("link", name="Describe").click()
        page.get_by_label("Image", exact=True).set_input_files(files / "coffee.jpg")
        page.get_by_label("Prompt").fill("Beschreibe das Bild.")
        page.get_by_label("Language", exact=True).select_option("de")
        page.get_by_role("button", name="Describe").click()
        answer = page.locator(".answer .markdown")
        expect(answer).to_contain_text("Foto", timeout=90_000)
        assert answer.locator("strong").count() > 0  # Markdown rendered, not shown raw
        # The same renderer, given hostile Markdown, keeps no script, handler or image.
        rendered = page.evaluate(
            """async () => {
                const src = document.querySelector('script[type=module]').src;
                const { renderMarkdown } = await import(src.replace('app.js', 'markdown.js'));
                const md = '# Hi\\n\\n[link](javascript:window.pwned=3)\\n\\n'
                  + '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
                  + '<b style="color:red">bold</b>\\n\\n**strong** ![pic](https://example.com/x.png)';
                const div = renderMarkdown(md);
                const nodes = [...div.querySelectorAll('*')];
                return {
                  text: div.textContent,
                  tags: nodes.map((n) => n.tagName),
                  attrs: nodes.flatMap((n) => [...n.attributes].map((a) => a.name + '=' + a.value)),
                };
            }"""
        )
        assert set(rendered["tags"]) == {"H1", "P", "A", "STRONG"}, rendered
        assert sorted(rendered["attrs"]) == ["rel=noopener noreferrer nofollow", "target=_blank"]
        assert "<script>window.pwned=1</script>" in rendered["text"]  # shown as text, inert
        assert page.evaluate("window.pwned") is None


def test_errors_read_like_the_api(browser: Browser, server: LiveServer, files: Path) -> None:
    with watched_page(browser, server.base_url) as (page, watch):
        watch.allow(400, r"/images/analyze$")
        watch.allow(413, r"/images/analyze$")
        watch.allow(422, r"/images/analyze$")
        sign_in(page, server.key)
        page.get_by_label("Choose images").set_input_files(files / "bomb.png")
        bomb = page.locator(".card", has=page.get_by_role("heading", name="bomb.png"))
        expect(bomb.get_by_role("alert")).to_contain_text("pixels", timeout=60_000)
        page.get_by_label("Choose images").set_input_files(files / "corrupt.jpg")
        corrupt = page.locator(".card", has=page.get_by_role("heading", name="corrupt.jpg"))
        expect(corrupt.get_by_role("alert")).to_be_visible(timeout=60_000)
        assert len(corrupt.get_by_role("alert").inner_text()) > 20
        assert watch.provoked


def test_phone_width_dark_theme_and_first_view_weight(
    browser: Browser, server: LiveServer, files: Path
) -> None:
    with watched_page(browser, server.base_url, viewport=PHONE) as (page, _):
        loaded: list[int] = []
        page.on("response", lambda r: loaded.append(len(r.body())) if r.ok else None)
        page.goto("/")
        page.get_by_label("API key", exact=True).wait_for()
        page.wait_for_load_state("networkidle")
        assert sum(loaded) < 300 * 1024, f"the first view weighs {sum(loaded)} bytes"
        sign_in(page, server.key)
        page.get_by_label("Choose images").set_input_files(files / "astronaut.jpg")
        _result(page, "astronaut.jpg")
        overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        assert page.evaluate(overflow) <= 0
        screenshot(page, "analyze-phone")
        page.get_by_role("link", name="Library").click()
        page.get_by_role("list", name="Images").get_by_role("link").first.wait_for()
        assert page.evaluate(overflow) <= 0
        screenshot(page, "library-phone")
        light = page.evaluate("getComputedStyle(document.body).backgroundColor")
        page.emulate_media(color_scheme="dark")
        dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert light != dark
        assert sum(int(v) for v in re.findall(r"\d+", dark)[:3]) < 120


def test_library_pages_by_cursor_as_you_scroll(browser: Browser, server: LiveServer) -> None:
    """More images than one page (24): scrolling to the end loads the next page."""
    with server.client() as client:
        for i in range(30):
            colour = ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)
            tile = imagegen.encode(Image.new("RGB", (64, 64), colour))
            sent = client.post(
                f"{API}/images/analyze/async", files={"file": (f"tile-{i}.png", tile)}
            )
            assert sent.status_code == 202, sent.text
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        page.get_by_role("link", name="Library").click()
        tiles = page.get_by_role("list", name="Images").get_by_role("link")
        expect(tiles).to_have_count(24)
        expect(tiles.first).to_contain_text("tile-29.png")  # newest first
        page.get_by_role("button", name="Load more").scroll_into_view_if_needed()
        expect(tiles).not_to_have_count(24)
        assert tiles.count() > 24
        links = [tiles.nth(i).get_attribute("href") for i in range(tiles.count())]
        assert len(links) == len(set(links)), "a page repeated an image"


_DROP_OR_PASTE = """async ([kind, name, b64]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, { type: 'image/png' }));
    const how = { bubbles: true, cancelable: true };
    if (kind === 'drop') {
        const zone = document.querySelector('.drop');
        zone.dispatchEvent(new DragEvent('dragover', { ...how, dataTransfer: data }));
        zone.dispatchEvent(new DragEvent('drop', { ...how, dataTransfer: data }));
    } else {
        document.dispatchEvent(new ClipboardEvent('paste', { ...how, clipboardData: data }));
    }
}"""


def test_drop_and_paste_an_image(browser: Browser, server: LiveServer) -> None:
    dropped = base64.b64encode(imagegen.encode(imagegen.photo("coffee"))).decode()
    pasted = base64.b64encode(imagegen.encode(imagegen.photo("rocket"))).decode()
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        page.evaluate(_DROP_OR_PASTE, ["drop", "dropped.png", dropped])
        _result(page, "dropped.png")
        page.evaluate(_DROP_OR_PASTE, ["paste", "pasted.png", pasted])
        _result(page, "pasted.png")
        expect(page.locator("article.result")).to_have_count(2)


def test_a_folder_goes_up_as_a_batch(browser: Browser, server: LiveServer, files: Path) -> None:
    folder = files / "holiday"
    folder.mkdir(exist_ok=True)
    for name in ("chelsea.jpg", "coffee.jpg", "astronaut.jpg"):
        (folder / name).write_bytes((files / name).read_bytes())
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        page.get_by_role("link", name="Batch").click()
        # The analyse view has a "Choose images" picker too: wait until the batch view is in.
        expect(page.get_by_role("heading", name="Batch upload")).to_be_visible()
        page.get_by_label("Choose a folder").set_input_files(folder)
        expect(page.locator(".summary")).to_have_text("3/3 done", timeout=120_000)
        expect(page.locator("table.batch")).to_contain_text("holiday/coffee.jpg")


def test_an_exhausted_quota_reads_like_the_api(
    browser: Browser, server: LiveServer, files: Path
) -> None:
    tenant = f"tiny-{uuid.uuid4().hex[:6]}"
    with server.client() as client:
        made = client.post(
            f"{API}/api-keys", json={"name": "tiny", "scopes": ["read", "write"], "tenant": tenant}
        )
        assert made.status_code == 201, made.text
    db = Database(server.settings.resolved_database_url)
    try:
        with db.session() as session:
            session.execute(update(Tenant).where(Tenant.id == tenant).values(monthly_quota=1))
    finally:
        db.dispose()
    with watched_page(browser, server.base_url) as (page, watch):
        watch.allow(402, r"/images/analyze$")
        sign_in(page, made.json()["key"])
        page.get_by_label("Choose images").set_input_files(files / "chelsea.jpg")
        _result(page, "chelsea.jpg")
        page.get_by_label("Choose images").set_input_files(files / "coffee.jpg")
        refused = page.locator(".card", has=page.get_by_role("heading", name="coffee.jpg"))
        expect(refused.get_by_role("alert")).to_contain_text("quota", timeout=60_000)
        expect(refused.get_by_role("alert")).to_contain_text("quota_exceeded")


def test_a_pdf_shows_its_pages(browser: Browser, server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(pdfs.text_pdf([["Board minutes", "Budget approved"], ["Next meeting May"]]))
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        page.get_by_label("Choose images").set_input_files(path)
        _result(page, "minutes.pdf")
        result = page.locator("article.result")
        expect(result.get_by_role("heading", name="Pages (2)")).to_be_visible()
        expect(result.locator(".description")).to_contain_text("2-page PDF")
        expect(result.locator("button.box")).to_have_count(2)  # page 1's lines over page 1
        pictures_loaded(page, "img.subject")


def test_a_video_shows_its_key_frames(browser: Browser, server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "trip.mp4"
    scenes = [(imagegen.photo("chelsea"), 1.0), (imagegen.photo("rocket"), 1.0)]
    path.write_bytes(videos.encode_clip(scenes))
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        page.get_by_label("Choose images").set_input_files(path)
        _result(page, "trip.mp4")
        result = page.locator("article.result")
        expect(result.get_by_role("heading", name="Key frames (2)")).to_be_visible()
        expect(result.locator(".description")).to_contain_text("A video (0:02).")
        expect(result.get_by_role("heading", name="Tags over time")).to_be_visible()
        pictures_loaded(page, "img.subject")
