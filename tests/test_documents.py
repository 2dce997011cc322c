"""Text-dominant images on the local engine: receipts recognised and read, pages kept apart."""

from __future__ import annotations

from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.receipts import is_receipt, read_receipt
from imagelens.types import ContentCategory, Language
from tests.imagegen import encode, text_page
from tests.layouts import RECEIPT_ITEMS, receipt

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
