"""PDFs as documents: the text layer read exactly, scans through OCR, every page in the
result, hostile files refused or bounded; through the engine, the HTTP API, the SDK and CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imagelens.config import LimitSettings
from imagelens.engine import Engine
from imagelens.engine.base import AnalysisOptions
from imagelens.errors import DecompressionBomb, ImageTooLarge, InvalidImage, ServerBusy
from imagelens.intake import decode_image, probe_image
from imagelens.intake.budget import DecodeBudget
from imagelens.intake.pdfrender import CHILD_COMMAND, PageRenderer, RenderedPage
from imagelens.sdk import ImageLens
from imagelens.types import ContentCategory, Language
from tests import imagegen, pdfs
from tests.live import LiveServer, image_host, wait_job

API = "/api/v2"
INVOICE = [
    ["INVOICE 2041", "Northwind Traders Ltd", "Date: 2026-03-14"],
    ["Consulting services 12 h", "Total due: 418.50 EUR", "Thank you for your business"],
]


# --- the engine -------------------------------------------------------------------------


def test_a_text_layer_is_read_exactly_page_by_page(engine: Engine) -> None:
    data = pdfs.text_pdf(INVOICE)
    result = engine.analyze(data, AnalysisOptions(category=ContentCategory.AUTO))
    assert result.visible_text == "\n".join(INVOICE[0]) + "\n\n" + "\n".join(INVOICE[1])
    assert result.category == "document"
    assert result.metadata.media_type == "document" and result.metadata.pages == 2
    assert (result.metadata.width, result.metadata.height) == (595, 842)  # A4 in points
    assert [(p.page, p.text_source, p.text_regions) for p in result.pages] == [
        (1, "text_layer", 3),
        (2, "text_layer", 3),
    ]
    assert [r.page for r in result.text_regions] == [1, 1, 1, 2, 2, 2]
    first = result.text_regions[0]
    assert first.text == "INVOICE 2041" and first.confidence == 1.0
    # fpdf2 wrote the line in a 10 mm cell at (20 mm, 20 mm) on a 210 x 297 mm page.
    assert abs(first.bbox.x - 20 / 210) < 0.01
    assert 20 / 297 < first.bbox.y < 30 / 297 and first.bbox.height < 10 / 297
    assert "2-page PDF" in result.description and "INVOICE 2041" in result.description
    assert result.extracted is not None and result.extracted["document_type"] == "invoice"
    assert result.timings_ms["ocr"] == 0.0  # no OCR where the PDF has its own text


def test_a_scan_goes_through_ocr(engine: Engine) -> None:
    page = imagegen.text_page(("INVOICE 2041", "Total due: 418.50 EUR"))
    result = engine.analyze(pdfs.scanned_pdf([page.image]))
    assert result.pages[0].text_source == "ocr"
    assert imagegen.character_error_rate(page.text, result.visible_text or "") < 0.05
    assert all(r.page == 1 for r in result.text_regions)
    assert result.timings_ms["ocr"] > 0


def test_a_page_number_does_not_hide_a_scan(engine: Engine) -> None:
    page = imagegen.text_page(("Delivery note 5531", "Pallets: 4"))
    result = engine.analyze(pdfs.numbered_scan(page.image, "3"))
    assert result.pages[0].text_source == "ocr"
    assert "Delivery note 5531" in (result.visible_text or "")


def test_a_mixed_document_and_its_language(engine: Engine) -> None:
    scan = imagegen.text_page(("Appendix B", "Delivery schedule"))
    data = pdfs.mixed_pdf(["Quarterly report 2026", "Revenue grew by 12 percent"], scan.image)
    result = engine.analyze(data, AnalysisOptions(lang=Language.DE))
    assert [p.text_source for p in result.pages] == ["text_layer", "ocr"]
    assert "Quarterly report 2026" in (result.visible_text or "")
    assert "Appendix" in (result.visible_text or "")
    assert result.description.startswith("Ein PDF-Dokument mit 2 Seiten")


def test_pdf_by_magic_bytes_whatever_its_name() -> None:
    decoded = decode_image(b"\n" * 10 + pdfs.text_pdf([["Hello"]]))  # junk before the header
    assert decoded.format.value == "PDF" and decoded.document is not None


# --- hostile PDFs -----------------------------------------------------------------------


def test_a_password_protected_pdf_is_refused_clearly() -> None:
    with pytest.raises(InvalidImage, match="password-protected"):
        decode_image(pdfs.text_pdf([["secret"]], password="hunter2"))
    # An owner password alone (print/copy restrictions) opens with an empty password.
    assert decode_image(pdfs.text_pdf([["open"]], owner="x")).metadata.pages == 1


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_a_truncated_pdf_is_refused(cut: float) -> None:
    data = pdfs.text_pdf(INVOICE)
    with pytest.raises(InvalidImage):
        decode_image(data[: int(len(data) * cut)])


def test_a_page_count_bomb_is_refused_at_once() -> None:
    started = time.perf_counter()
    with pytest.raises(ImageTooLarge) as caught:
        probe_image(pdfs.page_bomb())
    assert caught.value.details == {"pages": 1_000_000, "max_pages": 50}
    assert time.perf_counter() - started < 5  # no page was rendered


def test_the_page_and_size_limits_are_settings() -> None:
    data = pdfs.text_pdf([[f"page {i}"] for i in range(6)])
    with pytest.raises(ImageTooLarge, match="6 pages"):
        decode_image(data, LimitSettings(max_pages=5))
    with pytest.raises(ImageTooLarge, match="document limit"):
        decode_image(data, LimitSettings(max_document_bytes=len(data) - 1))


def test_a_gigantic_page_renders_within_bounds(engine: Engine) -> None:
    result = engine.analyze(pdfs.giant_page())
    assert result.metadata.width == 2_000_000
    decoded = decode_image(pdfs.giant_page())
    assert decoded.image.width * decoded.image.height <= 4_000_000


def test_javascript_and_attachments_never_run(engine: Engine, tmp_path: Path) -> None:
    result = engine.analyze(pdfs.scripted_pdf())
    assert result.metadata.pages == 1 and result.pages[0].text_source == "ocr"
    assert not list(tmp_path.iterdir())  # nothing was extracted anywhere we can see


# --- through the server -------------------------------------------------------------------


def test_analyze_upload_and_thumbnail_over_http(server: LiveServer) -> None:
    data = pdfs.text_pdf(INVOICE)
    with server.client() as client:
        done = client.post(
            f"{API}/images/analyze",
            files={"file": ("invoice.pdf", data, "application/pdf")},
            data={"content_category": "auto"},
        ).json()
        assert done["status"] == "completed", done
        assert done["metadata"]["media_type"] == "document"
        assert done["metadata"]["pages"] == 2 and len(done["pages"]) == 2
        assert done["category"] == "document"
        assert {r["page"] for r in done["text_regions"]} == {1, 2}
        image_id = done["image_id"]
        listed = client.get(f"{API}/files/{image_id}").json()
        assert listed["media_type"] == "document"
        thumb = client.get(f"{API}/files/{image_id}/thumbnail")
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
        content = client.get(f"{API}/files/{image_id}/content")
        assert content.headers["content-type"] == "application/pdf" and content.content == data


def test_async_batch_and_describe_take_pdfs(server: LiveServer) -> None:
    data = pdfs.text_pdf([["Meeting notes", "Budget approved for 2027"]])
    with server.client() as client:
        accepted = client.post(
            f"{API}/images/analyze/async", files={"file": ("notes.pdf", data)}
        ).json()
        job = wait_job(client, accepted["job_id"])
        assert job["status"] == "completed", job
        assert "Budget approved" in job["results"][0]["visible_text"]
        batch = client.post(
            f"{API}/files/upload/batch",
            files=[
                ("files", ("a.pdf", data)),
                ("files", ("b.png", imagegen.encode(imagegen.photo("coffee")))),
            ],
        )
        assert batch.status_code == 202, batch.text
        assert [r["media_type"] for r in batch.json()["results"]] == ["document", "image"]
        described = client.post(
            "/api/openapi-v2/describe-image",
            files={"image": ("notes.pdf", data)},
            data={"prompt": "Transcribe the text", "lang": "en"},
        ).json()
        assert described["code"] == 200, described
        assert "Budget approved for 2027" in described["data"]["content"]


def test_hostile_pdfs_get_clear_errors_over_http(server: LiveServer) -> None:
    cases = {
        "locked.pdf": (pdfs.text_pdf([["x"]], password="pw"), 400, "password-protected"),
        "broken.pdf": (pdfs.text_pdf(INVOICE)[:300], 400, "corrupt"),
        "bomb.pdf": (pdfs.page_bomb(), 413, "1000000 pages"),
    }
    with server.client() as client:
        for name, (data, status, words) in cases.items():
            response = client.post(f"{API}/images/analyze", files={"file": (name, data)})
            assert response.status_code == status, (name, response.text)
            assert words in response.json()["error"]["message"], name
        assert client.get("/readyz").status_code == 200  # and the server is fine


def test_a_pdf_url_and_a_pdf_named_jpg(server: LiveServer, tmp_path: Path) -> None:
    (tmp_path / "menu.pdf").write_bytes(pdfs.text_pdf([["Lunch menu", "Soup of the day 6.50"]]))
    with image_host(tmp_path) as base, server.client() as client:
        done = client.post(f"{API}/images/analyze", json={"url": f"{base}/menu.pdf"}).json()
        assert done["status"] == "completed", done
        assert "Soup of the day" in done["visible_text"]
        disguised = client.post(
            f"{API}/images/analyze",
            files={"file": ("photo.jpg", pdfs.text_pdf([["Not a photo"]]), "image/jpeg")},
        ).json()
        assert disguised["metadata"]["media_type"] == "document"


def test_sdk_and_cli_pick_up_pdfs_in_folders(server: LiveServer, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(pdfs.text_pdf([["Packing list 77"]]))
    imagegen.photo("chelsea").save(folder / "cat.jpg")
    with ImageLens(api_key=server.key, base_url=server.base_url) as client:
        results = client.files.upload_batch(folder)
    assert sorted(r.filename for r in results) == ["cat.jpg", "scan.pdf"]
    document = next(r for r in results if r.filename == "scan.pdf")
    assert document.media_type == "document"
    assert "Packing list 77" in (document.visible_text or "")
    cli = subprocess.run(
        [sys.executable, "-m", "imagelens.cli", "analyze", str(folder), "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=300,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    records = json.loads(cli.stdout)
    assert {Path(r["file"]).name for r in records} == {"cat.jpg", "scan.pdf"}
    assert any("Packing list 77" in (r.get("visible_text") or "") for r in records)


# --- what PDFium may take (issue 24 items 8 and 9) -----------------------------------------


def test_a_content_stream_bomb_is_stopped_at_the_memory_cap() -> None:
    limits = LimitSettings(document_memory_bytes=128 << 20)
    started = time.perf_counter()
    with pytest.raises(DecompressionBomb, match="more than 128 MB") as caught:
        decode_image(pdfs.inflating_pdf(20), limits)  # 40 KB inflating to 20 MB of paths
    assert caught.value.details["page"] == 1
    assert time.perf_counter() - started < 10
    # The child that died is replaced: the next document renders.
    assert decode_image(pdfs.text_pdf(INVOICE), limits).document is not None


def test_rendering_counts_against_the_decode_budget() -> None:
    budget = DecodeBudget(1 << 30, wait=0)
    with budget.reserve(600 << 20), pytest.raises(ServerBusy):
        decode_image(pdfs.text_pdf(INVOICE), LimitSettings(), budget)
    decoded = decode_image(pdfs.text_pdf(INVOICE), LimitSettings(), budget)
    assert decoded.document is not None and budget.in_use == 0


def test_a_cyclic_page_tree_is_invalid() -> None:
    with pytest.raises(InvalidImage, match="first page cannot be read"):
        probe_image(pdfs.cyclic_pages())


def test_pdfium_bombs_get_clear_errors_over_http(server: LiveServer) -> None:
    cases = {
        "nested.pdf": (pdfs.nested_q_pdf(4_000_000), 413, "decompression_bomb"),
        "cycle.pdf": (pdfs.cyclic_pages(), 400, "invalid_image"),
    }
    with server.client() as client:
        for name, (data, status, code) in cases.items():
            response = client.post(f"{API}/images/analyze", files={"file": (name, data)})
            assert response.status_code == status, (name, response.text)
            assert response.json()["error"]["code"] == code, name
        assert client.get("/readyz").status_code == 200


# --- the renderer does not trust its child (review M3, B8) --------------------------------

# A stand-in for pdfchild.py: takes one request, answers argv[1] (hex) argv[2] times, with
# the request quoted where the answer says "REQUEST", then hangs until it is killed.
_FAKE_CHILD = """
import json, sys, time
if sys.argv[3] == "1":
    request = json.loads(sys.stdin.buffer.readline())
    sys.stdin.buffer.read(request["length"])
    answer = bytes.fromhex(sys.argv[1])
    answer = answer.replace(b'"REQUEST"', json.dumps(json.dumps(request)).encode())
    sys.stdout.buffer.write(answer * int(sys.argv[2]))
    sys.stdout.buffer.flush()
time.sleep(60)
"""


def _faked(
    answer: bytes, repeat: int = 1, *, reads: bool = True, data: bytes = b"%PDF-1.7 fake"
) -> RenderedPage:
    """Page 1 of ``data`` (up to 100 pixels, 1 s) through a renderer whose child is faked."""
    command = (sys.executable, "-I", "-c", _FAKE_CHILD, answer.hex(), str(repeat), str(+reads))
    renderer = PageRenderer(dpi=150, command=command, seconds=1.0)
    try:
        return renderer.render(data, 0, 100, 64 << 20)
    finally:
        renderer.close()


def _header(**fields: object) -> bytes:
    good = {"box": [0, 0, 10, 20], "rotation": 0, "size": [2, 1], "rects": [], "length": 6}
    return json.dumps({**good, **fields}).encode() + b"\n"


def test_a_well_formed_answer_is_read_and_the_dpi_is_asked_for() -> None:
    rects = [[1, 2, 3, 4, "REQUEST"], [0, 0, 1, 1, "\ud800ok"]]
    page = _faked(_header(rotation=90, rects=rects) + bytes(range(1, 7)))
    assert page.image.size == (2, 1) and page.image.getpixel((1, 0)) == (4, 5, 6)
    assert (page.box, page.rotation) == ((0.0, 0.0, 10.0, 20.0), 90)
    request = json.loads(page.rects[0][4])
    assert request == {"index": 0, "max_pixels": 100, "dpi": 150, "length": 13}
    assert page.rects[1][4] == "?ok"  # a lone surrogate would fail our UTF-8 responses


@pytest.mark.parametrize(
    "answer",
    [
        b"not json\n",
        b"[6]\n",
        b"[" * 5000 + b"\n",  # nested past the JSON parser's recursion limit
        b'{"error": 7, "length": 0}\n',
        _header(length=5) + bytes(5),  # a length that disagrees with the size
        _header(length=7) + bytes(7),
        _header() + bytes(7),  # more bytes than it announced
        _header(size=[20, 20], length=1200) + bytes(1200),  # over the 100 pixels asked for
        _header(size=[1 << 20, 1 << 19], length=3 << 39),  # claims 1.5 TB: never allocated
        _header(size=[2, "1"]),
        _header(size=[2, 1, 1]),
        _header(length=True),
        _header(rotation=45) + bytes(6),
        _header(rotation=True) + bytes(6),
        _header(box=[0, 0, 0, 20]) + bytes(6),
        _header(box=[0, 0, float("nan"), 20]) + bytes(6),
        _header(box=[0, 0, 10**400, 20]) + bytes(6),
        _header(box=None) + bytes(6),
        _header(rects=[[1, 2, 3, "x"]]) + bytes(6),
        _header(rects=[[1, 2, 3, 4, 5]]) + bytes(6),
        _header(rects="x") + bytes(6),
    ],
)
def test_a_malformed_answer_is_an_invalid_page_at_once(answer: bytes) -> None:
    with pytest.raises(InvalidImage, match="malformed"):  # not the 1 s deadline's ImageTooLarge
        _faked(answer)


def test_a_header_line_without_end_is_cut_off_at_16_mb() -> None:
    with pytest.raises(InvalidImage, match="over 16 MB"):
        _faked(b" " * 1024, repeat=17 << 10)


@pytest.mark.parametrize(
    ("answer", "reads"),
    [
        (b"", True),  # says nothing
        (b'{"size": [2, 1]', True),  # a header line that never ends
        (_header() + bytes(2), True),  # pixels that stop halfway
        (b"", False),  # never takes the request (4 MB, more than a pipe holds)
    ],
)
def test_a_stalled_child_is_too_slow_within_the_deadline(answer: bytes, reads: bool) -> None:
    started = time.monotonic()
    with pytest.raises(ImageTooLarge, match="longer than 1 s"):
        _faked(answer, reads=reads, data=bytes(4 << 20))
    assert time.monotonic() - started < 3


def test_the_child_answers_any_failure_and_lives_on() -> None:
    data = pdfs.text_pdf(INVOICE)
    renderer = PageRenderer(dpi=150)
    try:
        # Not a PdfiumError: it once killed the child and read as "needs more than 512 MB".
        with pytest.raises(InvalidImage, match="cannot be read"):
            renderer.render(data, 0, -1, 512 << 20)
        assert renderer.render(data, 1, 4_000_000, 512 << 20).rects
    finally:
        renderer.close()


@pytest.mark.parametrize(("dpi", "width"), [(72, 596), (150, 1241)])  # A4 is 595.3 pt wide
def test_pages_render_at_the_dpi_the_parent_sends(dpi: int, width: int) -> None:
    renderer = PageRenderer(dpi=dpi)
    try:
        page = renderer.render(pdfs.text_pdf(INVOICE), 0, 4_000_000, 512 << 20)
    finally:
        renderer.close()
    assert page.image.width == width


def test_the_child_does_not_import_from_its_own_folder() -> None:
    probe = [*CHILD_COMMAND[:-1], "-c", "import json, sys; print(json.dumps(sys.path))"]
    folder = Path(CHILD_COMMAND[-1]).parent
    found = subprocess.run(probe, cwd=folder, capture_output=True, text=True, check=True)
    assert all(Path(entry or ".").resolve() != folder for entry in json.loads(found.stdout))
