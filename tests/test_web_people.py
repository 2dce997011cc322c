"""The People view in a real browser (Debian's Chromium under Playwright) against the real
server and models with real faces: cover crops and face counts, a person named inline (and
the name staying text), a person's photos, two people merged, one deleted, and the message
(and the admin's switch) when the tenant has recognition off. The tests share one tenant and
run in file order: name, then merge, then delete."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from imagelens.engine import Engine
from tests.live import LiveServer, make_settings, run_server, wait_job
from tests.peoplephotos import face_photos
from tests.web import CHROMIUM, pictures_loaded, screenshot, sign_in, watched_page

API = "/api/v2"


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("web-people")
    settings = make_settings(
        data_dir, f"sqlite:///{data_dir / 'imagelens.db'}", faces={"recognition": True}
    )
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
def library(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Recognition on for the owner's tenant; the astronaut and Grace Hopper twice each."""
    photos = face_photos(tmp_path_factory.mktemp("web-faces"))
    ids = {}
    with server.client(timeout=180) as client:
        switch = client.put(f"{API}/settings/faces", json={"recognition": True})
        assert switch.status_code == 200, switch.text
        for name, path in photos.items():
            if name in ("query.jpg", "coffee.jpg"):
                continue
            body = client.post(
                f"{API}/images/analyze",
                files={"file": (name, path.read_bytes())},
                data={"timeout": "120"},
            ).json()
            if body["status"] == "processing":  # a job handed back under load: wait on
                done = wait_job(client, body["job_id"], timeout=180)
                body = {**body, "status": done["status"]}
            assert body["status"] == "completed", body
            ids[name] = body["image_id"]
    return ids


def person_of(server: LiveServer, image_id: str) -> str:
    with server.client() as client:
        for person in client.get(f"{API}/people").json()["items"]:
            files = client.get(f"{API}/people/{person['person_id']}/files").json()["items"]
            if image_id in {f["image_id"] for f in files}:
                return str(person["person_id"])
    raise AssertionError(f"nobody in {image_id}")


def card(page: Page, person_id: str) -> Locator:
    return page.locator("li.person").filter(has=page.locator(f'a[href="#/people/{person_id}"]'))


def open_people(page: Page) -> Locator:
    with page.expect_response(lambda r: r.url.split("?")[0].endswith(f"{API}/people")):
        page.get_by_role("link", name="People", exact=True).click()
    return page.get_by_role("list", name="People").get_by_role("listitem")


def test_names_a_person_inline_and_opens_their_photos(
    browser: Browser, server: LiveServer, library: dict[str, str]
) -> None:
    astronaut = person_of(server, library["astronaut.jpg"])
    name = "Eileen <b>Collins</b>"
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        people = open_people(page)
        expect(people).to_have_count(2)
        expect(people.first).to_contain_text("2 faces")
        covers = page.locator("li.person img.face")
        expect(covers).to_have_count(2)
        covers.first.scroll_into_view_if_needed()
        pictures_loaded(page, "li.person img.face")
        field = card(page, astronaut).get_by_role("textbox")
        field.fill(name)
        with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
            field.press("Enter")
        assert saved.value.ok
        expect(page.get_by_role("status").first).to_contain_text(f"Named {name}.")
        assert page.locator("li.person b").count() == 0  # the name is text, never markup
        screenshot(page, "people")
        with server.client() as client:
            assert client.get(f"{API}/people/{astronaut}").json()["name"] == name

        card(page, astronaut).get_by_role("link", name=f"Photos of {name}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        photos = page.get_by_role("list", name="Photos").get_by_role("link")
        expect(photos).to_have_count(2)
        hrefs = {photos.nth(i).get_attribute("href") for i in range(2)}
        assert hrefs == {
            f"#/library/{library['astronaut.jpg']}",
            f"#/library/{library['astronaut-mirrored.jpg']}",
        }
        # (a reload would abort thumbnails still loading)
        pictures_loaded(page, "ul[aria-label=Photos] img")
        page.reload()  # the name came from the server, not from the page's memory
        expect(page.get_by_role("textbox", name="Name")).to_have_value(name)


def test_merges_two_selected_people(
    browser: Browser, server: LiveServer, library: dict[str, str]
) -> None:
    astronaut = person_of(server, library["astronaut.jpg"])
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        people = open_people(page)
        expect(people).to_have_count(2)
        merge = page.get_by_role("button", name="Merge selected")
        expect(merge).to_be_disabled()
        for i in range(2):
            people.nth(i).get_by_role("checkbox").check()
        page.get_by_role("button", name="Merge 2 selected").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("into Eileen <b>Collins</b>")  # the named one is kept
        with page.expect_response(lambda r: r.url.endswith("/merge")) as merged:
            dialog.get_by_role("button", name="Merge").click()
        assert merged.value.ok
        expect(people).to_have_count(1)
        expect(people.first).to_contain_text("4 faces")
        expect(card(page, astronaut)).to_have_count(1)


def test_deletes_a_person_after_a_confirm(
    browser: Browser, server: LiveServer, library: dict[str, str]
) -> None:
    with watched_page(browser, server.base_url) as (page, _):
        sign_in(page, server.key)
        people = open_people(page)
        expect(people).to_have_count(1)
        people.first.get_by_role("button", name="Delete").click()
        page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
        expect(people).to_have_count(1)  # cancelled: nothing happened
        people.first.get_by_role("button", name="Delete").click()
        with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
            page.get_by_role("dialog").get_by_role("button", name="Delete person").click()
        assert deleted.value.status == 204
        expect(people).to_have_count(0)
    with server.client() as client:
        assert client.get(f"{API}/people").json()["items"] == []
        assert len(client.get(f"{API}/files").json()["items"]) == len(library)  # photos stay


def test_recognition_off_says_how_to_turn_it_on(browser: Browser, server: LiveServer) -> None:
    with server.client() as client:
        created = client.post(
            f"{API}/api-keys",
            json={
                "name": "other",
                "tenant": "web-people-off",
                "scopes": ["read", "write", "admin"],
            },
        )
        assert created.status_code in (200, 201), created.text
        key = created.json()["key"]
    with watched_page(browser, server.base_url) as (page, watch):
        watch.allow(409, r"/api/v2/people")
        sign_in(page, key)
        page.get_by_role("link", name="People", exact=True).click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Face recognition is off for this tenant")
        expect(alert).to_contain_text('PUT /api/v2/settings/faces {"recognition": true}')
        with page.expect_response(lambda r: r.url.endswith("/settings/faces")) as switched:
            alert.get_by_role("button", name="Turn on face recognition").click()
        assert switched.value.ok
        expect(page.get_by_role("status").first).to_contain_text("No people yet")
