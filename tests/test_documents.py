"""Text-dominant images on the local engine: receipts recognised and read, pages kept apart."""

from __future__ import annotations

import pytest

from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.kinds.receipts import is_receipt, read_receipt
from imagelens.types import ContentCategory, Language
from tests.imagegen import encode, text_page
from tests.layouts import (
    RECEIPT_ITEMS,
    desktop_screenshot,
    phone_screenshot,
    photo_with_sign,
    receipt,
    two_column_page,
)

AUTO = AnalysisOptions(category=ContentCategory.AUTO)


def test_a_receipt_is_read_as_one(engine: Engine) -> None:
    result = engine.analyze(encode(receipt().image), AUTO)
    assert result.category == ContentCategory.DOCUMENT
    fields = result.extracted or {}
    assert fields["document_type"] == "receipt"  # although it prints "TAX INVOICE"
    assert (fields["merchant"], fields["total"], fields["tax"]) == (
        "CORNER MARKET",
        "21.82",
        "1.98",
    )
    assert fields["dates"] == ["14/03/2024"]
    assert [(i["name"], i["price"]) for i in fields["line_items"]] == list(RECEIPT_ITEMS)
    assert result.description.startswith("A shop receipt from “CORNER MARKET”, total 21.82")
    german_auto = AnalysisOptions(category=ContentCategory.AUTO, lang=Language.DE)
    german = engine.analyze(encode(receipt().image), german_auto)
    assert german.description.startswith("Ein Kassenbon")


def test_an_invoice_page_is_not_a_receipt(engine: Engine) -> None:
    result = engine.analyze(encode(text_page().image), AUTO)
    fields = result.extracted or {}
    assert (fields["document_type"], fields["line_items"]) == ("invoice", None)


def test_receipt_rules_on_text() -> None:
    lines = [
        "BLUE BOTTLE CAFE",
        "2024-05-02 08:14",
        "Latte 4.50",
        "Croissant 3.75",
        "Orange Juice $5.25",
        "SUBTOTAL 13.50",
        "TAX 1.20",
        "TOTAL $14.70",
        "VISA **** 4242",
    ]
    assert is_receipt(lines, 600, 900)
    read = read_receipt(lines)
    assert (read["merchant"], read["date"], read["total"], read["tax"]) == (
        "BLUE BOTTLE CAFE",
        "2024-05-02",
        "14.70",
        "1.20",
    )
    assert read["currency"] == "USD" and len(read["line_items"]) == 3
    # A price list without a total or payment is not a receipt.
    assert not is_receipt(["Menu", "Soup 4.00", "Salad 6.50", "Pie 3.20"], 600, 1200)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_screenshots_in_both_themes_are_screenshots(engine: Engine, theme: str, fmt: str) -> None:
    # Light themes used to be filed as documents (mostly white, lots of text).
    for fixture in (phone_screenshot(theme), desktop_screenshot(theme)):
        result = engine.analyze(encode(fixture.image, fmt), AUTO)
        assert result.category == ContentCategory.SCREENSHOT, (theme, fmt, fixture.image.size)


def test_pages_stay_documents_and_a_photo_with_a_notice_stays_a_photo(engine: Engine) -> None:
    for page in (text_page().image, two_column_page().image):
        for fmt in ("PNG", "JPEG"):
            assert engine.analyze(encode(page, fmt), AUTO).category == ContentCategory.DOCUMENT
    notice = engine.analyze(encode(photo_with_sign().image, "JPEG"), AUTO)
    assert notice.category == ContentCategory.GENERAL  # was "screenshot"
    assert notice.visible_text and "VIEWING AREA" in notice.visible_text


def test_titles_skip_the_status_bar_and_sidebars_are_their_own_blocks(engine: Engine) -> None:
    phone = engine.analyze(encode(phone_screenshot("dark").image), AUTO)
    assert "“Settings”" in phone.description and "9:41" not in phone.description
    desktop = engine.analyze(encode(desktop_screenshot("light").image), AUTO)
    lines = (desktop.visible_text or "").splitlines()
    # The sidebar's file names are not spliced into the document's lines.
    assert "Meeting notes" in lines and not any("plan.md" in x and "Meeting" in x for x in lines)


# --- under the default category (general): the look shapes the wording, not the schema ------

GENERAL = AnalysisOptions()


def test_a_receipt_is_described_as_one_under_the_default_category(engine: Engine) -> None:
    result = engine.analyze(encode(receipt().image), GENERAL)
    assert result.description.startswith("A shop receipt from “CORNER MARKET”, total 21.82")
    # The category asked for is echoed and picks the fields: general's, not a receipt's.
    assert result.category == ContentCategory.GENERAL
    assert result.extracted is not None and "merchant" not in result.extracted
    assert result.extracted["text_present"] is True
    german = engine.analyze(encode(receipt().image), AnalysisOptions(lang=Language.DE))
    assert german.description.startswith("Ein Kassenbon von „CORNER MARKET“")


def test_pages_and_screens_are_described_as_such_under_the_default_category(
    engine: Engine,
) -> None:
    from tests.screens import book_page, degrade

    page = engine.analyze(encode(degrade(book_page().image, "skewed")), GENERAL)
    assert page.description.startswith("A document with"), page.description
    assert page.category == ContentCategory.GENERAL
    settings = engine.analyze(encode(phone_screenshot("light").image, "JPEG"), GENERAL)
    assert settings.description.startswith("A screenshot with"), settings.description
    assert "headed “Settings”" in settings.description
    window = engine.analyze(encode(desktop_screenshot("dark").image), GENERAL)
    assert window.description.startswith("A screenshot with"), window.description
    french = engine.analyze(
        encode(phone_screenshot("dark").image), AnalysisOptions(lang=Language.FR)
    )
    assert french.description.startswith("Une capture d’écran avec")


def test_a_category_asked_for_still_picks_the_fields(engine: Engine) -> None:
    # A receipt sent as a screenshot: described by its look, extracted as asked.
    asked = AnalysisOptions(category=ContentCategory.SCREENSHOT)
    result = engine.analyze(encode(receipt().image), asked)
    assert result.category == ContentCategory.SCREENSHOT
    assert result.description.startswith("A shop receipt from “CORNER MARKET”")
    assert result.extracted is not None and "ui_text" in result.extracted
