"""People and faces from the client side, through the real server and models over HTTP with
real faces (skimage's astronaut, matplotlib's Grace Hopper, edited copies): the SDK's
``people``, ``faces`` and ``settings.faces``, async and sync, and the ``imagelens people`` and
``imagelens faces`` commands. Each test has a tenant of its own, so naming, merging and
deleting in one cannot change what another sees; errors are mapped without retrying a switch
that is off."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from imagelens import sdk
from imagelens.engine import Engine
from tests.live import LiveServer, make_settings, run_server
from tests.peoplephotos import face_photos

IMAGELENS = [sys.executable, "-m", "imagelens.cli"]
SAME_PERSON = 0.6  # dlib's convention for its 128-d descriptors


@pytest.fixture(scope="module")
def live(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("people-clients")
    settings = make_settings(data, f"sqlite:///{data / 'db.sqlite'}", faces={"recognition": True})
    with run_server(settings, engine) as server:
        yield server


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return face_photos(tmp_path_factory.mktemp("faces"))


def tenant_library(
    live: LiveServer, tenant: str, photos: dict[str, Path]
) -> tuple[str, dict[str, str]]:
    """An admin key of a new tenant with recognition on and the photos uploaded (analysed)."""
    with sdk.ImageLens(live.key, base_url=live.base_url) as owner:
        key = owner.keys.create(tenant, scopes=["read", "write", "admin"], tenant=tenant).key
    ids: dict[str, str] = {}
    with sdk.ImageLens(key, base_url=live.base_url) as client:
        assert client.settings.set_faces(recognition=True).recognition
        for name, path in photos.items():
            if name == "query.jpg":
                continue
            result = client.files.upload(path, timeout=120)
            if result.is_pending and result.job_id:  # a job handed back under load: wait on
                client.jobs.wait(result.job_id, timeout=180, poll_interval=0.2)
                result = client.files.get(result.image_id or "")
            assert result.is_completed and result.image_id, result
            ids[name] = result.image_id
    return key, ids


def who(client: sdk.ImageLens) -> dict[str, set[str]]:
    """Each person's images, by person id."""
    return {
        person.person_id: {image.image_id or "" for image in client.people.files(person.person_id)}
        for person in client.people.list()
    }


def person_with(groups: dict[str, set[str]], image_id: str) -> str:
    return next(pid for pid, images in groups.items() if image_id in images)


def test_sync_people_pages_covers_search_and_compare(
    live: LiveServer, photos: dict[str, Path]
) -> None:
    key, ids = tenant_library(live, "people-sync", photos)
    with sdk.ImageLens(key, base_url=live.base_url) as client:
        switch = client.settings.faces()
        assert isinstance(switch, sdk.FaceSettings)
        assert switch.recognition and switch.server_enabled
        first = client.people.list(limit=1)
        assert isinstance(first, sdk.SyncPage) and len(first.items) == 1 and first.has_more
        everyone = list(first)  # walks every page
        assert len(everyone) == 2 and all(isinstance(p, sdk.PersonOut) for p in everyone)
        assert [p.face_count for p in everyone] == [2, 2]
        assert all(p.person_id.startswith("per_") and p.name is None for p in everyone)
        groups = who(client)
        astronaut = person_with(groups, ids["astronaut.jpg"])
        hopper = person_with(groups, ids["hopper.jpg"])
        assert groups[astronaut] == {ids["astronaut.jpg"], ids["astronaut-mirrored.jpg"]}
        assert groups[hopper] == {ids["hopper.jpg"], ids["hopper-closer.jpg"]}
        filtered = client.files.list(person=hopper).items
        assert {i.image_id for i in filtered} == groups[hopper]
        searched = client.files.search("a portrait", mode="semantic", person=hopper)
        assert {hit.image_id for hit in searched} == groups[hopper]
        assert client.people.get(astronaut).cover_image_id in groups[astronaut]

        cover = client.people.cover(astronaut)
        assert cover[:4] == b"RIFF" and cover[8:12] == b"WEBP"
        assert max(Image.open(io.BytesIO(cover)).size) <= 160

        found = client.faces.search(photos["query.jpg"], limit=3)
        assert isinstance(found, sdk.FaceSearchResult) and len(found.faces) == 1
        best = found.faces[0].matches[0]
        assert best.person_id == astronaut and best.distance < SAME_PERSON
        assert best.image_id in groups[astronaut]
        encoded = base64.b64encode(photos["query.jpg"].read_bytes()).decode()
        again = client.faces.search(base64=encoded)
        assert again.faces[0].matches[0].person_id == astronaut
        assert client.faces.search(photos["coffee.jpg"]).faces == []

        same = client.faces.compare(photos["astronaut.jpg"], photos["astronaut-mirrored.jpg"])
        assert isinstance(same, sdk.FaceCompareResult)
        assert same.source_faces == same.target_faces == 1
        assert same.matches[0].same_person and same.matches[0].distance < SAME_PERSON
        other = client.faces.compare(photos["astronaut.jpg"].read_bytes(), photos["hopper.jpg"])
        assert not other.matches[0].same_person and other.matches[0].distance >= SAME_PERSON

        with pytest.raises(sdk.NotFoundError):
            client.people.get("per_nobody")
        # The query photos were not stored.
        assert len(client.files.list(limit=100).items) == 5


def test_async_name_merge_delete_and_switch_off(live: LiveServer, photos: dict[str, Path]) -> None:
    key, ids = tenant_library(live, "people-async", photos)

    async def scenario() -> None:
        async with sdk.AsyncImageLens(key, base_url=live.base_url) as client:
            page = await client.people.list()
            assert isinstance(page, sdk.Page) and not page.has_more
            groups: dict[str, set[str]] = {}
            for person in page.items:
                groups[person.person_id] = {
                    i.image_id or "" async for i in await client.people.files(person.person_id)
                }
            astronaut = person_with(groups, ids["astronaut.jpg"])
            hopper = person_with(groups, ids["hopper.jpg"])

            named = await client.people.rename(astronaut, "Eileen Collins")
            assert named.name == "Eileen Collins"
            assert (await client.people.get(astronaut)).name == "Eileen Collins"
            found = await client.faces.search(photos["query.jpg"])
            assert found.faces[0].matches[0].name == "Eileen Collins"
            assert (await client.people.rename(hopper, None)).name is None

            merged = await client.people.merge(astronaut, [hopper])
            assert merged.person_id == astronaut and merged.face_count == 4
            assert [p.person_id for p in (await client.people.list()).items] == [astronaut]
            with pytest.raises(sdk.NotFoundError):
                await client.people.get(hopper)
            two_a_page = await client.people.files(astronaut, limit=3)
            assert len(two_a_page.items) == 3 and two_a_page.has_more
            assert {i.image_id async for i in two_a_page} == groups[astronaut] | groups[hopper]

            await client.people.delete(astronaut)
            assert (await client.people.list()).items == []
            assert len((await client.files.list()).items) == 5  # the images stay

            off = await client.settings.set_faces(recognition=False)
            assert not off.recognition and off.server_enabled
            start = time.monotonic()
            with pytest.raises(sdk.ConflictError) as refused:
                await client.people.list()
            assert refused.value.code == "face_recognition_disabled"
            assert refused.value.status_code == 409 and refused.value.retryable is False
            assert time.monotonic() - start < 1.5  # not retried (3 retries wait >= 2.6 s)
            # compare needs only the server's switch
            compared = await client.faces.compare(photos["hopper.jpg"], photos["hopper-closer.jpg"])
            assert compared.matches[0].same_person

    asyncio.run(scenario())


def test_a_server_without_recognition_answers_not_configured(
    engine: Engine, tmp_path: Path, photos: dict[str, Path]
) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    with (
        run_server(settings, engine) as server,
        sdk.ImageLens(server.key, base_url=server.base_url) as client,
    ):
        assert client.settings.faces() == sdk.FaceSettings(recognition=False, server_enabled=False)
        with pytest.raises(sdk.NotConfiguredError) as refused:
            client.settings.set_faces(recognition=True)
        assert refused.value.code == "not_configured"
        assert isinstance(refused.value, sdk.ServerError)
        with pytest.raises(sdk.NotConfiguredError):
            client.people.list()
        with pytest.raises(sdk.NotConfiguredError):
            client.faces.compare(photos["astronaut.jpg"], photos["hopper.jpg"])


def test_errors_the_server_calls_permanent_are_not_retried() -> None:
    """A 409 that says ``retryable: false`` is raised at once; one that does not say so is
    retried like before (a lock that clears)."""
    seen: list[str] = []
    answers = [
        (
            409,
            {"error": {"code": "face_recognition_disabled", "message": "off", "retryable": False}},
        ),
        (409, {"error": {"code": "busy", "message": "locked", "retryable": True}}),
        (200, {"items": [], "next_cursor": None, "has_more": False}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        status, body = answers.pop(0)
        return httpx.Response(status, json=body, headers={"Retry-After": "0"})

    transport = httpx.MockTransport(handler)
    with sdk.ImageLens("il_test", base_url="http://imagelens.test", transport=transport) as client:
        with pytest.raises(sdk.ConflictError):
            client.people.list()
        assert len(seen) == 1
        assert client.people.list().items == []
        assert len(seen) == 3


def _cli(live: LiveServer, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"IMAGELENS_API_KEY": key, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    return subprocess.run(
        [*IMAGELENS, *args, "--server", live.base_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_people_and_faces(live: LiveServer, photos: dict[str, Path]) -> None:
    key, ids = tenant_library(live, "people-cli", photos)
    listed = _cli(live, key, "people", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    people = json.loads(listed.stdout)["items"]
    assert [p["face_count"] for p in people] == [2, 2]
    with sdk.ImageLens(key, base_url=live.base_url) as client:
        groups = who(client)
    astronaut = person_with(groups, ids["astronaut.jpg"])
    hopper = person_with(groups, ids["hopper.jpg"])

    named = _cli(live, key, "people", "name", astronaut, "Eileen [bold]Collins[/bold]")
    assert named.returncode == 0, named.stderr
    table = _cli(live, key, "people", "list")
    assert table.returncode == 0, table.stderr
    assert astronaut in table.stdout and hopper in table.stdout
    assert "Eileen [bold]Collins[/bold]" in table.stdout  # a name is text, not markup
    assert "(not named)" in table.stdout

    same = _cli(
        live,
        key,
        "faces",
        "compare",
        str(photos["astronaut.jpg"]),
        str(photos["astronaut-mirrored.jpg"]),
    )
    assert same.returncode == 0, same.stderr
    assert "same person: yes (distance 0." in same.stdout
    different = _cli(
        live, key, "faces", "compare", str(photos["astronaut.jpg"]), str(photos["hopper.jpg"])
    )
    assert "same person: no (distance" in different.stdout
    search = _cli(live, key, "faces", "search", str(photos["query.jpg"]))
    assert search.returncode == 0, search.stderr
    assert "Eileen [bold]Collins[/bold]" in search.stdout and astronaut in search.stdout
    as_json = json.loads(
        _cli(live, key, "faces", "search", str(photos["query.jpg"]), "--json").stdout
    )
    assert as_json["faces"][0]["matches"][0]["person_id"] == astronaut

    merged = _cli(live, key, "people", "merge", astronaut, hopper)
    assert merged.returncode == 0, merged.stderr
    assert "(4 faces)" in merged.stdout
    asked = _cli(live, key, "people", "delete", astronaut)  # no --yes, no answer: nothing done
    assert asked.returncode != 0
    deleted = _cli(live, key, "people", "delete", astronaut, "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(_cli(live, key, "people", "list", "--json").stdout)["items"] == []

    missing = _cli(live, key, "people", "name", "per_nobody", "Ada")
    assert missing.returncode == 1 and "not_found" in missing.stderr
    with sdk.ImageLens(key, base_url=live.base_url) as client:
        client.settings.set_faces(recognition=False)
    off = _cli(live, key, "people", "list")
    assert off.returncode == 1 and "face_recognition_disabled" in off.stderr
    assert "PUT /api/v2/settings/faces" in off.stderr and "Traceback" not in off.stderr
