from __future__ import annotations

from PIL import Image, ImageDraw

from imagelens.engine import AnalysisOptions, Engine
from imagelens.intake import decode_image
from tests.imagegen import character_error_rate, encode, font, photo, text_page
from tests.layouts import RECEIPT_ITEMS, receipt, two_column_page

OCR_ONLY = AnalysisOptions(analyzers=frozenset({"ocr"}))


def test_rendered_page_is_read_with_low_error_and_in_order(engine: Engine) -> None:
    page = text_page()
    result = engine.analyze(encode(page.image), OCR_ONLY)
    assert result.visible_text is not None
    assert character_error_rate(page.text, result.visible_text) <= 0.03
    # Reading order: each line comes out as one line, top to bottom.
    assert result.visible_text.splitlines()[0].startswith("Invoice number")
    assert result.visible_text.splitlines()[-1].startswith("Questions?")


def test_boxes_contain_their_words(engine: Engine) -> None:
    page = text_page()
    width, height = page.image.size
    result = engine.analyze(encode(page.image), OCR_ONLY)
    slack = 0.01
    for word, (x0, y0, x1, y1) in page.word_boxes:
        holders = [
            r
            for r in result.text_regions
            if word in r.text
            and r.bbox.x - slack <= x0 / width
            and r.bbox.y - slack <= y0 / height
            and x1 / width <= r.bbox.x + r.bbox.width + slack
            and y1 / height <= r.bbox.y + r.bbox.height + slack
        ]
        assert holders, f"no text region contains {word!r}"
    for region in result.text_regions:
        assert 0 <= region.bbox.x <= 1 and 0 <= region.bbox.x + region.bbox.width <= 1.00001
        assert 0 < region.confidence <= 1


def test_blank_image_has_no_text(engine: Engine) -> None:
    result = engine.analyze(encode(Image.new("RGB", (800, 600), "white")), OCR_ONLY)
    assert result.visible_text is None
    assert result.text_regions == []


def test_tiny_image_skips_ocr(engine: Engine) -> None:
    result = engine.analyze(decode_image(encode(Image.new("RGB", (8, 8), "black"))), OCR_ONLY)
    assert result.visible_text is None


def test_exif_rotated_text_is_read_upright(engine: Engine) -> None:
    page = text_page()
    # Store the page rotated on its side, with EXIF saying how to turn it back.
    stored = page.image.rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    result = engine.analyze(encode(stored, "JPEG", exif=exif, quality=95), OCR_ONLY)
    assert result.metadata.width < result.metadata.height
    assert result.visible_text is not None
    assert character_error_rate(page.text, result.visible_text) <= 0.03


def test_two_columns_are_read_column_by_column(engine: Engine) -> None:
    page = two_column_page()
    result = engine.analyze(encode(page.image), OCR_ONLY)
    assert result.visible_text is not None
    # Stitched row by row, this is ~0.7; column by column, close to the order-free error.
    assert character_error_rate(page.text, result.visible_text) <= 0.05
    blocks = {r.block for r in result.text_regions if r.text.startswith(("The harbour", "By noon"))}
    assert len(blocks) == 2  # the columns are separate blocks


def test_a_receipt_keeps_each_price_on_its_items_line(engine: Engine) -> None:
    slip = receipt()
    result = engine.analyze(encode(slip.image), OCR_ONLY)
    assert result.visible_text is not None
    assert character_error_rate(slip.text, result.visible_text) <= 0.05
    lines = result.visible_text.splitlines()
    for item, price in RECEIPT_ITEMS:
        assert any(item.split()[-1] in line and price in line for line in lines), (item, lines)


def test_photos_without_text_say_nothing_about_text(engine: Engine) -> None:
    # Each of these reads as a stray '8', 'O' or '***' without the filter.
    for name in ("coffee", "retina", "clock", "chelsea", "astronaut"):
        result = engine.analyze(encode(photo(name)), OCR_ONLY)
        assert result.visible_text is None, (name, result.visible_text)
        assert result.text_regions == []


def test_real_text_on_a_photo_is_kept(engine: Engine) -> None:
    street = photo("rocket").copy()
    draw = ImageDraw.Draw(street)
    draw.rectangle((40, 40, 330, 120), fill=(20, 90, 40))
    draw.text((58, 52), "EXIT 12", fill="white", font=font(48, bold=True))
    result = engine.analyze(encode(street), OCR_ONLY)
    assert result.visible_text is not None and "EXIT 12" in result.visible_text
    hopper = engine.analyze(encode(photo("grace_hopper")), OCR_ONLY)
    assert hopper.visible_text is not None and "HOPPER" in hopper.visible_text
