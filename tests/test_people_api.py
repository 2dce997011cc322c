"""People through the real server and real face models (SQLite, PostgreSQL, and the
scale-out shape: a model-free API process, Celery on Redis, an `imagelens worker`): the
opt-in switch, grouping, naming, merging, forgetting, face search and compare, tenants."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageEnhance, ImageOps
from sqlalchemy import func, select

from imagelens.db import Database
from imagelens.db.tables import Face
from imagelens.engine import Engine
from tests import imagegen
from tests.live import (
    WITH_API_ROLE,
    LiveServer,
    make_settings,
    run_server,
    scaleout_env,
    spawn_worker,
)

pytestmark = WITH_API_ROLE
API = "/api/v2"
FACES_ON = {"IMAGELENS_FACES__RECOGNITION": "true"}


@pytest.fixture(scope="module")
def server(
    engine: Engine,
    deployment: str,
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """A server (and, for the api role, a worker) with face recognition allowed."""
    data_dir = tmp_path_factory.mktemp("data")
    faces = {"recognition": True}
    if deployment != "api-role":
        with run_server(make_settings(data_dir, database_url, faces=faces), engine) as live:
            yield live
        return
    env = scaleout_env(database_url)
    settings = make_settings(
        data_dir,
        database_url,
        faces=faces,
        redis_url=env["IMAGELENS_REDIS_URL"],
        queue={
            "kind": "celery",
            "broker_url": env["IMAGELENS_QUEUE__BROKER_URL"],
            "name": env["IMAGELENS_QUEUE__NAME"],
        },
    )
    with run_server(settings, engine) as live:
        workers = [_worker(data_dir, env) for _ in range(2)]  # two workers race on one person
        try:
            yield live
        finally:
            for worker in workers:
                worker.kill()
                worker.wait(timeout=30)


def _worker(data_dir: Path, env: dict[str, str]) -> Any:
    return spawn_worker(data_dir, env | FACES_ON | {"IMAGELENS_ALLOW_PRIVATE_URLS": "1"})


def _jpeg(image: Image.Image) -> bytes:
    return imagegen.encode(image, "JPEG", quality=88)


def _astronaut_edits() -> list[Image.Image]:
    """One person's photos: the astronaut resized, mirrored, turned, darker, cropped."""
    base = imagegen.photo("astronaut")
    return [
        base,
        ImageOps.mirror(base).resize((400, 400)),
        base.rotate(12, expand=True, fillcolor=(40, 40, 40)),
        ImageEnhance.Brightness(base).enhance(0.6),
        base.crop((60, 0, 400, 340)).resize((500, 500)),
    ]


def _hopper() -> Image.Image:
    return imagegen.photo("grace_hopper")


def _analyze(client: Any, image: Image.Image, name: str) -> dict[str, Any]:
    response = client.post(
        f"{API}/images/analyze",
        files={"file": (name, _jpeg(image), "image/jpeg")},
        data={"timeout": "120"},
    )
    assert response.status_code == 200 and response.json()["status"] == "completed", response.text
    return dict(response.json())


def _tenant_key(server: LiveServer, tenant: str, scopes: list[str]) -> str:
    with server.client() as client:
        response = client.post(
            f"{API}/api-keys", json={"name": "people", "tenant": tenant, "scopes": scopes}
        )
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def _face_rows(server: LiveServer, tenant: str | None = None) -> int:
    database = Database(server.settings.resolved_database_url, pool_size=2)
    try:
        with database.session() as session:
            query = select(func.count()).select_from(Face)
            if tenant is not None:
                query = query.where(Face.tenant_id == tenant)
            return int(session.scalar(query) or 0)
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def library(server: LiveServer) -> dict[str, Any]:
    """Recognition on for the default tenant; one person's five photos analysed at once (by
    two workers in the api-role shape) and Grace Hopper's."""
    with server.client(timeout=180) as client:
        off = client.get(f"{API}/people")
        assert off.status_code == 409, off.text
        assert off.json()["error"]["code"] == "face_recognition_disabled"
        on = client.put(f"{API}/settings/faces", json={"recognition": True})
        assert on.status_code == 200 and on.json() == {"recognition": True, "server_enabled": True}
        jobs = [
            client.post(
                f"{API}/images/analyze/async",
                files={"file": (f"astro-{i}.jpg", _jpeg(img), "image/jpeg")},
            ).json()["job_id"]
            for i, img in enumerate(_astronaut_edits())
        ]
        for job_id in jobs:
            _wait(client, job_id)
        hopper = _analyze(client, _hopper(), "hopper.jpg")
    return {"astronaut_jobs": jobs, "hopper": hopper}


def _wait(client: Any, job_id: str) -> dict[str, Any]:
    from tests.live import wait_job

    body = wait_job(client, job_id, timeout=180)
    assert body["status"] == "completed", body
    return body


def _people(client: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/people", params={"limit": 50})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


@pytest.mark.usefixtures("library")
def test_one_persons_photos_make_one_person(server: LiveServer) -> None:
    with server.client() as client:
        people = _people(client)
    counts = sorted((p["face_count"] for p in people), reverse=True)
    assert counts == [5, 1], people  # the astronaut's five edits, and Grace Hopper
    assert people[0]["face_count"] == 5 and people[0]["name"] is None
    assert people[0]["cover_image_id"] and people[0]["cover_bbox"]["width"] > 0


def test_faces_carry_their_person(server: LiveServer, library: dict[str, Any]) -> None:
    hopper = library["hopper"]
    with server.client() as client:
        record = client.get(f"{API}/files/{hopper['image_id']}").json()
        people = {p["person_id"]: p for p in _people(client)}
    faces = record["faces"]
    assert len(faces) == 1 and faces[0]["person_id"] in people
    assert people[faces[0]["person_id"]]["face_count"] == 1


def test_name_merge_files_and_search(server: LiveServer, library: dict[str, Any]) -> None:
    with server.client(timeout=180) as client:
        astronaut, hopper = _people(client)[:2]
        renamed = client.patch(f"{API}/people/{astronaut['person_id']}", json={"name": " Eileen "})
        assert renamed.status_code == 200 and renamed.json()["name"] == "Eileen"
        files = client.get(f"{API}/people/{astronaut['person_id']}/files").json()["items"]
        assert len(files) == 5
        filtered = client.get(f"{API}/files", params={"person": hopper["person_id"]}).json()
        assert [f["image_id"] for f in filtered["items"]] == [library["hopper"]["image_id"]]
        cover = client.get(f"{API}/people/{astronaut['person_id']}/cover")
        assert cover.status_code == 200 and cover.headers["content-type"] == "image/webp"
        # A new photo of her is named in its description.
        again = _analyze(client, ImageOps.mirror(imagegen.photo("astronaut")), "again.jpg")
        assert "Eileen" in again["description"], again["description"]
        # Who is this? Her face is matched to her, without storing the query.
        before = _face_rows(server)
        query = imagegen.photo("astronaut").resize((300, 300))
        found = client.post(
            f"{API}/faces/search", files={"file": ("q.jpg", _jpeg(query), "image/jpeg")}
        )
        assert found.status_code == 200, found.text
        match = found.json()["faces"][0]["matches"][0]
        assert match["person_id"] == astronaut["person_id"] and match["name"] == "Eileen"
        assert match["distance"] < 0.5
        assert _face_rows(server) == before
        # Merging folds the other person's faces in.
        merged = client.post(
            f"{API}/people/{astronaut['person_id']}/merge",
            json={"person_ids": [hopper["person_id"]]},
        )
        assert merged.status_code == 200, merged.text
        assert merged.json()["face_count"] == 7
        assert client.get(f"{API}/people/{hopper['person_id']}").status_code == 404


def test_compare(server: LiveServer) -> None:
    astronaut = imagegen.photo("astronaut")
    with server.client(timeout=180) as client:
        same = client.post(
            f"{API}/faces/compare",
            files={
                "source": ("a.jpg", _jpeg(astronaut), "image/jpeg"),
                "target": ("b.jpg", _jpeg(ImageOps.mirror(astronaut).resize((380, 380))), "x"),
            },
        )
        different = client.post(
            f"{API}/faces/compare",
            files={
                "source": ("a.jpg", _jpeg(astronaut), "image/jpeg"),
                "target": ("b.jpg", _jpeg(_hopper()), "image/jpeg"),
            },
        )
        missing = client.post(
            f"{API}/faces/compare", files={"source": ("a.jpg", _jpeg(astronaut), "image/jpeg")}
        )
    assert same.status_code == 200, same.text
    assert same.json()["matches"][0]["same_person"] is True
    assert different.json()["matches"][0]["same_person"] is False
    assert missing.status_code == 400


@pytest.mark.usefixtures("library")
def test_tenants_never_share_people(server: LiveServer) -> None:
    admin = _tenant_key(server, "people-other", ["read", "write", "admin"])
    with server.client(key=admin, timeout=180) as client:
        assert client.get(f"{API}/people").status_code == 409  # off until its admin says so
        assert client.put(f"{API}/settings/faces", json={"recognition": True}).status_code == 200
        assert _people(client) == []
        image_id = _analyze(client, imagegen.photo("astronaut"), "mine.jpg")["image_id"]
        mine = _people(client)
        assert len(mine) == 1 and mine[0]["face_count"] == 1
        client.patch(f"{API}/people/{mine[0]['person_id']}", json={"name": "Zorblax"})
        named = client.get(f"{API}/files/{image_id}").json()
        assert "One person: Zorblax." in named["description"], named["description"]
        assert named["faces"][0]["person_name"] == "Zorblax"
    with server.client() as client:
        theirs = {p["person_id"] for p in _people(client)}
        assert mine[0]["person_id"] not in theirs
        assert client.get(f"{API}/people/{mine[0]['person_id']}").status_code == 404
        # Another tenant's person cannot be merged in, nor filtered by.
        merged = client.post(
            f"{API}/people/{next(iter(theirs))}/merge",
            json={"person_ids": [mine[0]["person_id"]]},
        )
        assert merged.status_code == 404, merged.text
        filtered = client.get(f"{API}/files", params={"person": mine[0]["person_id"]})
        assert filtered.status_code == 404
        assert client.patch(f"{API}/people/{next(iter(theirs))}", json={}).status_code == 400
    reader = _tenant_key(server, "people-other", ["read", "write"])
    with server.client(key=reader) as client:  # the switch is an admin's
        assert client.put(f"{API}/settings/faces", json={"recognition": False}).status_code == 403
    with server.client(key=admin) as client:
        assert _face_rows(server, "people-other") == 1
        off = client.put(f"{API}/settings/faces", json={"recognition": False})
        assert off.json()["recognition"] is False
        assert _face_rows(server, "people-other") == 0  # every vector of the tenant erased
        # ...and no name outlives it: not in the record, the description or search.
        record = client.get(f"{API}/files/{image_id}").json()
        assert "Zorblax" not in str(record)
        assert record["faces"][0]["person_id"] is None
        analysis = client.get(f"{API}/files/{image_id}/analysis").json()
        assert "Zorblax" not in str(analysis)
        found = client.get(f"{API}/search", params={"query": "Zorblax", "mode": "text"})
        assert found.status_code == 200 and found.json()["items"] == []


@pytest.mark.usefixtures("library")
def test_deleting_a_person_and_an_image(server: LiveServer) -> None:
    with server.client(timeout=180) as client:
        image = _analyze(client, _hopper().resize((300, 380)), "hopper-small.jpg")
        person = image["faces"][0]["person_id"]
        before = _face_rows(server)
        assert client.delete(f"{API}/files/{image['image_id']}").status_code == 204
        assert _face_rows(server) == before - 1
        assert client.delete(f"{API}/people/{person}").status_code == 204
        assert client.get(f"{API}/people/{person}").status_code == 404
