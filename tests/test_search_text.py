"""Full-text search through the real server and models, on SQLite and PostgreSQL: ranking,
phrases, prefixes, stems, tag names in other languages, highlights, tenants, deletes,
hostile queries, ranked /files?q= and the rebuild of rows for older images."""

from __future__ import annotations

import base64
import io
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image, ImageFilter
from sqlalchemy import delete

from imagelens.db.tables import ImageSearch
from imagelens.service.textindex import missing_text_rows, reindex_text
from tests import imagegen
from tests.live import LiveServer, wait_job

API = "/api/v2"


def _jpeg(image: Image.Image, quality: int = 85) -> bytes:
    """Saved the way a phone or scanner would: softened a little, JPEG-compressed."""
    out = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(0.6)).save(out, "JPEG", quality=quality)
    return out.getvalue()


def _upload(client: httpx.Client, name: str, content: bytes, **data: str) -> str:
    response = client.post(f"{API}/files/upload", files={"file": (name, content)}, data=data)
    assert response.status_code == 201, response.text
    assert response.json()["description_status"] == "completed", response.text
    return str(response.json()["image_id"])


@pytest.fixture(scope="module")
def library(server: LiveServer) -> dict[str, str]:
    """A small real library: a cat photo, a receipt, a note, a coffee cup (name -> id)."""
    receipt = imagegen.text_page(("CORNER STORE", "TAX INVOICE 2041", "Total due 12.50 EUR"))
    note = imagegen.text_page(("The old dog sleeps by the fire", "Feed him at noon"))
    files = {
        "chelsea.jpg": (_jpeg(imagegen.photo("chelsea")), "general"),
        "receipt.jpg": (_jpeg(receipt.image, quality=70), "document"),
        "note.jpg": (_jpeg(note.image), "general"),
        "coffee.jpg": (_jpeg(imagegen.photo("coffee")), "general"),
    }
    with server.client() as client:
        return {
            name: _upload(client, name, content, content_category=category)
            for name, (content, category) in files.items()
        }


def _search(client: httpx.Client, query: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{API}/search", params={"query": query, "mode": "text", **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [item["image_id"] for item in body["items"]]


def test_a_cat_ranks_above_a_receipt_for_cat(server: LiveServer, library: dict[str, str]) -> None:
    with server.client() as client:
        body = _search(client, "cat")
        ids = _ids(body)
        assert ids and ids[0] == library["chelsea.jpg"], body
        assert library["receipt.jpg"] not in ids[:1]
        scores = [item["score"] for item in body["items"]]
        assert scores == sorted(scores, reverse=True)
        # The hit is a whole UploadResult plus its score.
        assert body["items"][0]["filename"] == "chelsea.jpg" and body["items"][0]["tags"]


def test_words_phrases_prefixes_and_stems(server: LiveServer, library: dict[str, str]) -> None:
    receipt, note = library["receipt.jpg"], library["note.jpg"]
    with server.client() as client:
        assert _ids(_search(client, "invoice"))[:1] == [receipt]
        assert _ids(_search(client, '"tax invoice"'))[:1] == [receipt]
        assert receipt not in _ids(_search(client, '"invoice tax"'))  # the order matters
        assert _ids(_search(client, "invo* "))[:1] == [receipt]  # an explicit prefix
        assert _ids(_search(client, "corne"))[:1] == [receipt]  # the last word as you type
        assert _ids(_search(client, "sleeping dog"))[:1] == [note]  # "sleeps", stemmed
        assert receipt not in _ids(_search(client, "invoice -corner"))
        both = set(_ids(_search(client, "invoice OR sleeps")))
        assert {receipt, note} <= both


def test_a_german_tag_name_finds_an_english_tagged_photo(
    server: LiveServer, library: dict[str, str]
) -> None:
    with server.client() as client:
        body = _search(client, "Katze")
        assert _ids(body)[:1] == [library["chelsea.jpg"]], body
        assert any("<mark>Katze</mark>" in h for h in body["items"][0]["highlights"])


def test_highlights_mark_where_the_words_matched(
    server: LiveServer, library: dict[str, str]
) -> None:
    with server.client() as client:
        body = _search(client, "invoice")
        hit = body["items"][0]
        assert hit["image_id"] == library["receipt.jpg"]
        assert any("<mark>INVOICE</mark>" in h for h in hit["highlights"]), hit["highlights"]


def test_files_q_is_ranked_and_pages(server: LiveServer, library: dict[str, str]) -> None:
    with server.client() as client:
        first = client.get(f"{API}/files", params={"q": "cat", "limit": 1}).json()
        assert _ids(first) == [library["chelsea.jpg"]]
        assert "score" not in first["items"][0]  # still the FileList shape
        seen = _ids(first)
        cursor = first["next_cursor"]
        while cursor:
            page = client.get(f"{API}/files", params={"q": "cat", "limit": 1, "cursor": cursor})
            assert page.status_code == 200, page.text
            seen += _ids(page.json())
            cursor = page.json()["next_cursor"]
        assert len(seen) == len(set(seen))
        # Without q: newest first, as before.
        newest = client.get(f"{API}/files", params={"limit": 1}).json()
        assert newest["items"][0]["created_at"] >= first["items"][0]["created_at"]
        filtered = client.get(f"{API}/files", params={"q": "invoice", "category": "general"})
        assert library["receipt.jpg"] not in _ids(filtered.json())
        kept = client.get(f"{API}/files", params={"q": "invoice", "category": "document"})
        assert _ids(kept.json()) == [library["receipt.jpg"]]


def test_tenants_see_only_their_own_images(server: LiveServer, library: dict[str, str]) -> None:
    tenant = f"search-{uuid.uuid4().hex[:8]}"
    with server.client() as admin:
        made = admin.post(f"{API}/api-keys", json={"name": "t", "tenant": tenant})
        assert made.status_code == 201, made.text
    with server.client(key=made.json()["key"]) as client:
        theirs = _upload(client, "chelsea.jpg", _jpeg(imagegen.photo("chelsea")))
        for mode in ("text", "hybrid"):
            assert _ids(_search(client, "cat", mode=mode)) == [theirs]
        assert _ids(client.get(f"{API}/files", params={"q": "cat"}).json()) == [theirs]
        assert _search(client, "invoice")["items"] == []
        scores_before = [h["score"] for h in _search(client, "cat")["items"]]
    with server.client() as client:
        assert theirs not in _ids(_search(client, "cat"))
        assert library["chelsea.jpg"] in _ids(_search(client, "cat"))
        # Another tenant's words never move this tenant's scores (FTS5's bm25 counts the
        # whole table; the score answered is the rank's).
        noise = client.post(f"{API}/api-keys", json={"name": "n", "tenant": tenant + "-noise"})
    note = imagegen.text_page(("cat cat cat", "a cat and a cat"))
    with server.client(key=noise.json()["key"]) as other:
        _upload(other, "cats.jpg", _jpeg(note.image))
    with server.client(key=made.json()["key"]) as client:
        assert [h["score"] for h in _search(client, "cat")["items"]] == scores_before


def test_a_deleted_image_disappears_from_search(server: LiveServer) -> None:
    page = imagegen.text_page(("ZEBRAFISH MIGRATION REPORT",))
    with server.client() as client:
        image_id = _upload(client, "zebrafish.jpg", _jpeg(page.image))
        assert _ids(_search(client, "zebrafish")) == [image_id]
        assert client.delete(f"{API}/files/{image_id}").status_code == 204
        assert _search(client, "zebrafish")["items"] == []
        assert client.get(f"{API}/files", params={"q": "zebrafish"}).json()["items"] == []


HOSTILE = [
    '"',
    '"unclosed phrase',
    "(",
    "cat)",
    "NEAR(cat dog, 2)",
    "cat NEAR dog",
    "*",
    "cat*dog*",
    "-",
    "--cat",
    "-cat",
    ":",
    "filename:cat",
    "cat AND OR NOT",
    "OR",
    "^cat",
    "{filename description}: cat",
    "'; DROP TABLE images; --",
    "a & b | !c <-> d:*",
    "\\",
    "\u00a0\u200b",
    "猫 OR",
    "cat\x00dog",
    "x" * 2000,
    "cat " * 600,
]


@pytest.mark.parametrize("mode", ["text", "hybrid"])
def test_hostile_queries_are_never_a_server_error(
    server: LiveServer, library: dict[str, str], mode: str
) -> None:
    del library
    with server.client() as client:
        for query in HOSTILE:
            response = client.get(f"{API}/search", params={"query": query, "mode": mode})
            assert response.status_code in (200, 400), (query[:40], response.text)
            listed = client.get(f"{API}/files", params={"q": query})
            assert listed.status_code in (200, 400), (query[:40], listed.text)
        bad_cursor = client.get(f"{API}/search", params={"query": "cat", "cursor": "!!"})
        assert bad_cursor.status_code == 400
        huge = base64.urlsafe_b64encode(f"rank|{10**30}".encode()).decode()
        for path, name in (("/search", "query"), ("/files", "q")):
            deep = client.get(f"{API}{path}", params={name: "cat", "cursor": huge})
            assert deep.status_code == 400, deep.text


def test_semantic_without_an_index_is_not_configured(
    server: LiveServer, library: dict[str, str]
) -> None:
    assert server.services is not None
    semantic, server.services.semantic = server.services.semantic, None
    try:
        with server.client() as client:
            response = client.get(f"{API}/search", params={"query": "cat", "mode": "semantic"})
            assert response.status_code == 501
            assert response.json()["error"]["code"] == "not_configured"
            text_only = client.get(f"{API}/search", params={"query": "cat", "mode": "hybrid"})
            assert text_only.status_code == 200
            assert text_only.json()["items"][0]["image_id"] == library["chelsea.jpg"]
    finally:
        server.services.semantic = semantic


def test_semantic_search_through_the_api_finds_a_german_query(
    server: LiveServer, library: dict[str, str]
) -> None:
    with server.client() as client:
        for mode in ("semantic", "hybrid"):
            response = client.get(
                f"{API}/search", params={"query": "eine Katze auf dem Sofa", "mode": mode}
            )
            assert response.status_code == 200, response.text
            ranked = [hit["image_id"] for hit in response.json()["items"]]
            assert ranked and ranked[0] == library["chelsea.jpg"], (mode, response.text)


def test_rows_of_images_analysed_before_search_are_rebuilt(
    server: LiveServer, library: dict[str, str]
) -> None:
    assert server.services is not None
    db = server.services.db
    with db.session() as session:  # as if analysed before this feature
        session.execute(delete(ImageSearch).where(ImageSearch.image_id == library["note.jpg"]))
    with server.client() as client:
        assert library["note.jpg"] not in _ids(_search(client, "sleeps"))
        assert missing_text_rows(db)
        progress: list[tuple[int, int]] = []
        assert reindex_text(db, missing_only=True, on_progress=lambda *p: progress.append(p)) == 1
        assert progress == [(1, 1)] and not missing_text_rows(db)
        assert _ids(_search(client, "sleeps"))[:1] == [library["note.jpg"]]
        # A full rebuild is idempotent: same rows, same answers.
        before = _search(client, "cat")
        assert reindex_text(db, batch_size=2) >= len(library)
        assert _ids(_search(client, "cat")) == _ids(before)


class _Meaning:
    """A SemanticIndex that ranks from a fixed list (the real one is the embedding side's)."""

    def __init__(self, ranking: list[tuple[str, float]]) -> None:
        self.ranking = ranking
        self.asked: list[tuple[str, str, int]] = []

    def rank(self, tenant_id: str, query: str, limit: int) -> list[tuple[str, float]]:
        self.asked.append((tenant_id, query, limit))
        return self.ranking[:limit]


def test_hybrid_fuses_text_and_meaning(server: LiveServer, library: dict[str, str]) -> None:
    assert server.services is not None
    cat, coffee = library["chelsea.jpg"], library["coffee.jpg"]
    stranger = str(uuid.uuid4())  # an id the tenant does not have: never shown
    meaning = _Meaning([(coffee, 0.91), (stranger, 0.9), (cat, 0.8)])
    server.services.semantic = meaning
    try:
        with server.client() as client:
            hybrid = _search(client, "cat", mode="hybrid")
            assert _ids(hybrid)[:2] == [cat, coffee]
            assert stranger not in _ids(hybrid)
            assert hybrid["items"][0]["highlights"] and not hybrid["items"][1]["highlights"]
            semantic = _search(client, "cat", mode="semantic")
            assert _ids(semantic) == [coffee, cat]
            assert [i["score"] for i in semantic["items"]] == [0.91, 0.8]
            first = _search(client, "cat", mode="hybrid", limit=1)
            second = _search(client, "cat", mode="hybrid", limit=1, cursor=first["next_cursor"])
            assert _ids(first) + _ids(second) == [cat, coffee]
            only_docs = _search(client, "cat", mode="semantic", category="document")
            assert only_docs["items"] == []
        assert meaning.asked[0][:2] == ("default", "cat")
    finally:
        server.services.semantic = None


def test_an_image_is_found_by_its_filename_before_and_without_an_analysis(
    server: LiveServer,
) -> None:
    whole = imagegen.encode(imagegen.photo("coffee").resize((120, 90)), "PNG")
    broken = whole[: len(whole) // 2]  # a header async intake accepts; the worker cannot decode
    with server.client() as client:
        sent = client.post(
            f"{API}/images/analyze/async", files={"file": ("quokka-holiday.png", broken)}
        )
        assert sent.status_code == 202, sent.text
        assert wait_job(client, sent.json()["job_id"])["status"] == "failed"
        found = client.get(f"{API}/files", params={"q": "quokka", "status": "failed"})
        assert _ids(found.json()) == [sent.json()["image_id"]]


def test_search_survives_a_sqlite_vacuum(server: LiveServer) -> None:
    """FTS5 points at image_search's rowids: they must be ones VACUUM keeps."""
    assert server.services is not None
    db = server.services.db
    if not db.url.startswith("sqlite"):
        pytest.skip("SQLite's VACUUM renumbers plain rowids")
    words = ("WOMBAT LEDGER", "PLATYPUS MANIFEST", "ECHIDNA INVOICE")
    with server.client() as client:
        ids = [
            _upload(client, f"{w.split()[0].lower()}.jpg", _jpeg(imagegen.text_page((w,)).image))
            for w in words
        ]
        assert client.delete(f"{API}/files/{ids[0]}").status_code == 204  # a gap to close
        with db.engine.connect() as connection:
            connection.exec_driver_sql("VACUUM")
        assert _ids(_search(client, "echidna")) == [ids[2]]
        assert _ids(_search(client, "platypus")) == [ids[1]]


def test_highlights_are_escaped_html_whose_only_tags_are_marks(server: LiveServer) -> None:
    name = "tunafish<mark>x<b>&chips.jpg"  # no "/": only a base name is kept
    with server.client() as client:
        image_id = _upload(client, name, _jpeg(imagegen.photo("coffee")))
        found = _search(client, "tunafish")["items"]
        hit = next((h for h in found if h["image_id"] == image_id), None)
        assert hit is not None, (image_id, client.get(f"{API}/files/{image_id}").json(), found)
    snippet = next(h for h in hit["highlights"] if "tunafish" in h)
    assert "<mark>tunafish</mark>" in snippet
    assert "&amp;chips" in snippet
    # The name's own tags are escaped (SQLite) or dropped by ts_headline (PostgreSQL): the
    # only tags left are the marks.
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    assert snippet.count("<mark>") == 1
