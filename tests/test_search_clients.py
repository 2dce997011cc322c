"""Search from the client side, through the real server and models over HTTP: the SDK's
``files.search`` (pages that iterate), ``files.similar`` and ``files.search_by_image``, async
and sync, and ``imagelens search`` as a table and as JSON."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from imagelens import sdk
from imagelens.engine import Engine
from tests import imagegen
from tests.layouts import receipt
from tests.live import LiveServer, make_settings, run_server

IMAGELENS = [sys.executable, "-m", "imagelens.cli"]


@pytest.fixture(scope="module")
def live(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("search-clients")
    with run_server(make_settings(data, f"sqlite:///{data / 'db.sqlite'}"), engine) as server:
        yield server


def _cat_copy() -> Image.Image:
    """Chelsea cropped and shrunk: another shot of the same cat."""
    cat = imagegen.photo("chelsea")
    w, h = cat.size
    return cat.crop((25, 12, w - 40, h - 18)).resize((230, 160))


@pytest.fixture(scope="module")
def library(live: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Photos and a receipt with camera/scanner names, uploaded through the sync SDK."""
    root = tmp_path_factory.mktemp("search-library")
    sources = {
        "IMG_0001.jpg": imagegen.photo("chelsea"),
        "IMG_0002.jpg": _cat_copy(),
        "IMG_0003.jpg": imagegen.photo("coffee"),
        "IMG_0004.jpg": imagegen.photo("rocket"),
        "IMG_0005.jpg": imagegen.photo("astronaut"),
        "scan0001.jpg": receipt().image,
    }
    ids: dict[str, str] = {}
    with sdk.ImageLens(live.key, base_url=live.base_url) as client:
        for name, image in sources.items():
            image.save(root / name, quality=85)
            result = client.files.upload(root / name, timeout=120)
            assert result.is_completed and result.image_id, result
            ids[name] = result.image_id
    return ids


def test_async_search_ranks_marks_and_walks_every_page(
    live: LiveServer, library: dict[str, str]
) -> None:
    async def scenario() -> None:
        async with sdk.AsyncImageLens(live.key, base_url=live.base_url) as client:
            page = await client.files.search("market")  # the receipt's "CORNER MARKET"
            assert isinstance(page, sdk.SearchPage)
            top = page.items[0]
            assert isinstance(top, sdk.SearchHit) and top.image_id == library["scan0001.jpg"]
            assert top.filename == "scan0001.jpg" and top.is_completed
            assert any("<mark>" in h for h in top.highlights)
            assert "<mark>" not in top.highlight_text and top.highlight_text
            scores = [hit.score for hit in page.items]
            assert scores == sorted(scores, reverse=True)
            # German for cat: the cats' tags carry their names in the 12 languages.
            german = await client.files.search("Katze", limit=2)
            cats = {library["IMG_0001.jpg"], library["IMG_0002.jpg"]}
            assert {h.image_id for h in german.items} == cats
            # Two a page: iterating the first page walks all of them, each image once.
            small = await client.files.search("photo", mode="semantic", limit=2)
            assert len(small.items) == 2 and small.has_more and small.next_cursor
            walked = [hit.image_id async for hit in small]
            assert len(walked) == len(set(walked)) == len(library)
            pages = [p async for p in small.pages()]
            assert len(pages) == 3 and pages[-1].next_cursor is None
            assert await pages[-1].next_page() is None
            words = await client.files.search("corner market", mode="text")
            assert [h.image_id for h in words.items] == [library["scan0001.jpg"]]
            none = await client.files.search("market", mode="text", tag="cat")
            assert none.items == [] and not none.has_more

    asyncio.run(scenario())


def test_async_similar_and_search_by_image(live: LiveServer, library: dict[str, str]) -> None:
    async def scenario() -> None:
        async with sdk.AsyncImageLens(live.key, base_url=live.base_url) as client:
            cat = library["IMG_0001.jpg"]
            visual = await client.files.similar(cat, mode="visual", limit=3)
            assert len(visual) == 3 and all(isinstance(s, sdk.SimilarImage) for s in visual)
            assert visual[0].image_id == library["IMG_0002.jpg"]
            assert visual[0].score is not None and visual[0].distance is None
            assert cat not in [s.image_id for s in visual]
            duplicates = await client.files.similar(cat)  # mode="duplicate", the default
            assert all(s.distance is not None and s.score is None for s in duplicates)
            data = imagegen.encode(_cat_copy().rotate(3), "JPEG", quality=70)
            hits = await client.files.search_by_image(data, limit=2)
            assert len(hits) == 2 and hits[0].image_id in (cat, library["IMG_0002.jpg"])
            assert hits[0].score >= hits[1].score
            with pytest.raises(sdk.NotFoundError):
                await client.files.similar("no-such-image", mode="visual")
            with pytest.raises(ValueError, match="exactly one"):
                await client.files.search_by_image()

    asyncio.run(scenario())


def test_sync_client_searches_the_same_way(
    live: LiveServer, library: dict[str, str], tmp_path: Path
) -> None:
    query_image = tmp_path / "mug.jpg"
    imagegen.photo("coffee").resize((300, 200)).save(query_image, quality=75)
    with sdk.ImageLens(live.key, base_url=live.base_url) as client:
        page = client.files.search("rocket", limit=2)
        assert isinstance(page, sdk.SyncSearchPage) and page.has_more
        assert page.items[0].image_id == library["IMG_0004.jpg"]
        walked = [hit.image_id for hit in page]
        assert len(walked) == len(set(walked)) == len(library)
        assert page.next_page() is not None
        later = client.files.search("rocket", limit=2, cursor=page.next_cursor)
        assert later.items == page.next_page().items  # type: ignore[union-attr]
        neighbours = client.files.similar(library["IMG_0002.jpg"], mode="visual", limit=1)
        assert neighbours[0].image_id == library["IMG_0001.jpg"]
        hits = client.files.search_by_image(query_image, limit=1)
        assert hits[0].image_id == library["IMG_0003.jpg"]
        assert len(client.files.list(limit=100).items) == len(library)  # nothing stored


def _cli(live: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"IMAGELENS_API_KEY": live.key, "HF_HUB_OFFLINE": "1", "COLUMNS": "160"}
    return subprocess.run(
        [*IMAGELENS, "search", *args, "--server", live.base_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_search_prints_a_table_or_json(live: LiveServer, library: dict[str, str]) -> None:
    table = _cli(live, "market")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "image id" in table.stdout and "score" in table.stdout
    first_row = next(line for line in lines if library["scan0001.jpg"][:8] in line)
    assert "scan0001.jpg" in first_row
    assert "<mark>" not in table.stdout  # marked words are styled, not tagged

    answer = _cli(live, "Katze", "--limit", "2", "--json")
    assert answer.returncode == 0, answer.stderr
    body = json.loads(answer.stdout)
    assert body["mode"] == "hybrid" and len(body["items"]) == 2
    cats = {library["IMG_0001.jpg"], library["IMG_0002.jpg"]}
    assert {item["image_id"] for item in body["items"]} == cats
    assert isinstance(body["items"][0]["score"], float) and body["next_cursor"]
    assert "<mark>Katze</mark>" in body["items"][0]["highlights"][0]
    words = json.loads(_cli(live, "corner market", "--mode", "text", "--json").stdout)
    assert [item["filename"] for item in words["items"]] == ["scan0001.jpg"]

    wrong = _cli(live, "cat", "--mode", "fuzzy")
    assert wrong.returncode == 2 and "fuzzy" in wrong.stderr
    denied = subprocess.run(
        [*IMAGELENS, "search", "cat", "--server", live.base_url, "--api-key", "il_nope"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert denied.returncode == 1 and "error:" in denied.stderr
    assert "Traceback" not in denied.stderr
