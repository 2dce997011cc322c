"""Barcodes and QR codes: made by other libraries, printed onto real photos, degraded, read."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from imagelens.engine import AnalysisOptions, Engine, Signals
from imagelens.engine.base import BarcodeOutput, OcrOutput
from imagelens.engine.describe import compose_description
from imagelens.engine.describe.phrases import LANGS
from imagelens.engine.local.barcodes import drop_covered_text
from imagelens.types import Barcode, BBox, ContentCategory, Language, TextRegion
from tests.barcodegen import degrade, degraded_set, ean13_full, linear, print_on, qr
from tests.imagegen import encode, photo, text_page
from tests.layouts import receipt
from tests.live import LiveServer
from tests.pdfs import scanned_pdf
from tests.videos import encode_clip

ONLY = AnalysisOptions(analyzers=frozenset({"barcodes"}))
URL = "https://www.example.com/menu?table=12"


def read(engine: Engine, image: Image.Image, fmt: str = "JPEG", quality: int = 80) -> list[Barcode]:
    data = encode(image, fmt, quality=quality) if fmt == "JPEG" else encode(image, fmt)
    return engine.analyze(data, ONLY).barcodes


@pytest.mark.parametrize(
    ("kind", "background", "angle", "tilt", "blur", "quality", "width"),
    [
        ("qr", "astronaut", 10, 0.0, 0.8, 60, 0.3),
        ("qr", "coffee", -25, 0.2, 1.0, 45, 0.25),
        ("qr", "chelsea", 30, 0.1, 0.5, 70, 0.2),
        ("ean13", "rocket", 12, 0.0, 0.7, 60, 0.55),
        ("ean13", "grace_hopper", -20, 0.15, 0.5, 75, 0.6),
        ("code128", "coffee", 18, 0.0, 0.6, 60, 0.6),
    ],
)
def test_printed_on_a_photo_at_an_angle_blurred_and_jpegd(
    engine: Engine,
    kind: str,
    background: str,
    angle: float,
    tilt: float,
    blur: float,
    quality: int,
    width: float,
) -> None:
    if kind == "qr":
        code, fmt, value = qr(URL), "QR Code", URL
    elif kind == "ean13":
        code, fmt, value = linear("ean13", "400638133393"), "EAN-13", ean13_full("400638133393")
    else:
        code, fmt, value = linear("code128", "PKG-0042-XY"), "Code 128", "PKG-0042-XY"
    picture = photo(background)
    picture = picture.resize((picture.width * 2, picture.height * 2), Image.Resampling.BICUBIC)
    image, (x0, y0, x1, y1) = print_on(picture, code, width_frac=width, angle=angle, tilt=tilt)
    found = read(engine, degrade(image, blur=blur), quality=quality)
    assert [(b.format, b.value) for b in found] == [(fmt, value)]
    box = found[0].bbox  # inside the label as printed (normalised)
    w, h = image.size
    assert x0 / w - 0.01 <= box.x and box.x + box.width <= x1 / w + 0.01
    assert y0 / h - 0.01 <= box.y and box.y + box.height <= y1 / h + 0.01


def test_a_small_qr_code_in_a_small_photo(engine: Engine) -> None:
    image, _ = print_on(photo("chelsea"), qr("HELLO 42"), width_frac=0.16, angle=15)
    small = degrade(image, scale=0.8, quality=70)  # about 58 px for 29 modules with margin
    assert [b.value for b in read(engine, small)] == ["HELLO 42"]


def test_most_of_a_degraded_set_decodes(engine: Engine) -> None:
    samples = degraded_set(16, seed=3)
    hits = sum(any(b.value == s.value for b in read(engine, s.image, "PNG")) for s in samples)
    assert hits >= 11  # bare zxing-cpp reads 12 of these 16; some are past reading


def test_a_photo_without_codes_has_none(engine: Engine) -> None:
    result = engine.analyze(encode(photo("chelsea"), "JPEG"))
    assert result.barcodes == []
    assert "barcodes" in result.model_versions
    assert "barcodes" in result.model_dump(mode="json")


def _receipt_with_qr() -> Image.Image:
    paper = receipt().image
    canvas = Image.new("RGB", (paper.width, paper.height + 260), "white")
    canvas.paste(paper, (0, 0))
    code = qr("https://receipts.example.org/r/8812", scale=5).resize((220, 220))
    canvas.paste(code.convert("RGB"), ((paper.width - 220) // 2, paper.height + 10))
    return canvas


def test_a_receipts_qr_code_in_description_and_extracted(engine: Engine) -> None:
    result = engine.analyze(
        encode(_receipt_with_qr()), AnalysisOptions(category=ContentCategory.AUTO)
    )
    assert result.category == "document"
    assert [b.value for b in result.barcodes] == ["https://receipts.example.org/r/8812"]
    assert result.description.endswith("It has a QR code linking to receipts.example.org.")
    assert result.extracted is not None
    assert result.extracted["merchant"] == "CORNER MARKET"
    assert result.extracted["codes"] == ["https://receipts.example.org/r/8812"]


def test_a_products_ean_is_its_gtin(engine: Engine) -> None:
    image, _ = print_on(photo("coffee"), linear("ean13", "400638133393"), width_frac=0.6)
    result = engine.analyze(
        encode(image, "JPEG"), AnalysisOptions(category=ContentCategory.PRODUCT_PHOTO)
    )
    assert result.extracted is not None and result.extracted["gtin"] == "4006381333931"
    assert "It has a barcode (EAN-13 4006381333931)." in result.description


def test_every_pdf_page_is_read_and_codes_carry_their_page(engine: Engine) -> None:
    blank = Image.new("RGB", (1240, 1754), "white")
    page = text_page().image.resize((1240, 1754))
    code = linear("code128", "INV-48213")
    page.paste(code.resize((code.width * 2, code.height * 2)).convert("RGB"), (300, 1300))
    result = engine.analyze(scanned_pdf([blank, page]), ONLY)
    assert [(b.value, b.page) for b in result.barcodes] == [("INV-48213", 2)]
    assert result.model_dump(mode="json")["barcodes"][0]["page"] == 2


def test_video_key_frames_carry_their_time(engine: Engine) -> None:
    with_code, _ = print_on(photo("astronaut"), qr(URL), width_frac=0.35)
    clip = encode_clip([(photo("coffee"), 1.0), (with_code, 1.0)], size=(640, 480))
    result = engine.analyze(clip, AnalysisOptions(analyzers=frozenset({"barcodes", "ocr"})))
    assert [b.value for b in result.barcodes] == [URL]
    assert result.barcodes[0].time_s is not None and result.barcodes[0].time_s >= 0.9
    assert result.description.endswith("It has a QR code linking to example.com.")


def test_the_bars_are_never_read_as_text(engine: Engine) -> None:
    page = text_page().image
    canvas = Image.new("RGB", (page.width, page.height + 420), "white")
    canvas.paste(page, (0, 0))
    bars = linear("code128", "SHIP-7730-ZZ", module_mm=0.5)
    bars = bars.crop((0, 0, bars.width, round(bars.height * 0.72)))  # the bars, no digits
    canvas.paste(bars.convert("RGB"), (40, page.height + 20))
    result = engine.analyze(encode(canvas), AnalysisOptions(category=ContentCategory.AUTO))
    assert [b.value for b in result.barcodes] == ["SHIP-7730-ZZ"]
    code = result.barcodes[0].bbox
    for region in result.text_regions:
        below = (
            region.bbox.y >= code.y + code.height or region.bbox.y + region.bbox.height <= code.y
        )
        assert below, region
    assert result.visible_text is not None and "Invoice number 48213" in result.visible_text
    assert result.visible_text.splitlines()[-1] == "Questions? Write to billing@example.org"


def _region(text: str, x: float, y: float, w: float, h: float, line: int) -> TextRegion:
    return TextRegion(text=text, confidence=0.9, bbox=BBox(x=x, y=y, width=w, height=h), line=line)


def test_covered_regions_and_their_words_are_dropped() -> None:
    ocr = OcrOutput(
        "Order 12\nIIlIl|I lIl\nThanks",
        [
            _region("Order 12", 0.1, 0.1, 0.3, 0.05, 0),
            _region("IIlIl|I", 0.1, 0.42, 0.2, 0.1, 1),
            _region("lIl", 0.35, 0.42, 0.1, 0.1, 1),
            _region("Thanks", 0.1, 0.8, 0.3, 0.05, 2),
        ],
    )
    code = Barcode(format="Code 128", value="X1", bbox=BBox(x=0.08, y=0.4, width=0.4, height=0.2))
    out = drop_covered_text(ocr, [code])
    assert [r.text for r in out.regions] == ["Order 12", "Thanks"]
    assert out.visible_text == "Order 12\nThanks"
    elsewhere = code.model_copy(update={"page": 2})
    assert drop_covered_text(ocr.__class__(ocr.visible_text, ocr.regions), [elsewhere]) == ocr


@pytest.mark.parametrize("lang", LANGS)
def test_the_qr_host_is_described_in_every_language(lang: str) -> None:
    code = Barcode(format="QR Code", value=URL, bbox=BBox(x=0.1, y=0.1, width=0.2, height=0.2))
    signals = Signals(barcodes=BarcodeOutput([code]))
    text = compose_description(signals, ContentCategory.GENERAL, Language(lang))
    assert "example.com" in text and "www." not in text and "menu" not in text
    ean = code.model_copy(update={"format": "EAN-13", "value": "4006381333931"})
    both = compose_description(
        Signals(barcodes=BarcodeOutput([ean, code])), ContentCategory.GENERAL, Language(lang)
    )
    assert both == text  # the QR code is the one named
    alone = compose_description(
        Signals(barcodes=BarcodeOutput([ean])), ContentCategory.GENERAL, Language(lang)
    )
    assert "4006381333931" in alone
    plain = code.model_copy(update={"value": "WIFI:S:home;T:WPA;P:secret;;"})
    text = compose_description(
        Signals(barcodes=BarcodeOutput([plain])), ContentCategory.GENERAL, Language(lang)
    )
    assert "WIFI:S:home" in text


def test_through_the_http_api(server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "menu.jpg"
    image, _ = print_on(photo("coffee"), qr(URL), width_frac=0.3, angle=12)
    path.write_bytes(encode(image, "JPEG", quality=80))
    with server.client() as client:
        response = client.post(
            "/api/v2/images/analyze",
            files={"file": ("menu.jpg", path.read_bytes(), "image/jpeg")},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "completed"
    assert [(b["format"], b["value"]) for b in body["barcodes"]] == [("QR Code", URL)]
    assert "page" not in body["barcodes"][0]
    assert body["description"].endswith("It has a QR code linking to example.com.")
