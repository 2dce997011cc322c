"""Tables and form fields on the local engine: rendered invoices and statements (ruled,
zebra-striped, borderless) as degraded images and as PDFs with a text layer."""

from __future__ import annotations

import pytest

from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.describe.markdown import to_markdown
from imagelens.engine.tables import table_markdown
from imagelens.types import AnalysisResult, BBox, ContentCategory, Table, TableCell
from imagelens.types.api import AnalyzeCompleted
from tests.imagegen import encode, photo, text_page
from tests.tablegen import (
    FORM_PAIRS,
    INVOICE,
    STATEMENT,
    STYLES,
    form_page,
    image_fixture,
    table_pdf,
)

DOCUMENT = AnalysisOptions(category=ContentCategory.DOCUMENT, analyzers=frozenset({"ocr"}))
TABLES = {"invoice": INVOICE, "statement": STATEMENT}


def _texts(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row] for row in table.rows]


def _agreement(table: Table, expected: tuple[tuple[str, ...], ...]) -> float:
    """Share of the expected cells read exactly, at their grid place."""
    got = _texts(table)
    hits = sum(
        r < len(got) and c < len(got[r]) and got[r][c] == text
        for r, row in enumerate(expected)
        for c, text in enumerate(row)
    )
    return hits / sum(len(row) for row in expected)


@pytest.mark.parametrize("kind", ["invoice", "statement"])
@pytest.mark.parametrize("style", STYLES)
def test_tables_on_degraded_images(engine: Engine, style: str, kind: str) -> None:
    expected = TABLES[kind]
    fixture = image_fixture(style, expected)
    result = engine.analyze(encode(fixture.image, "JPEG", quality=80), DOCUMENT)
    assert len(result.tables) == 1, result.tables
    table = result.tables[0]
    assert table.page is None
    assert len(table.rows) == len(expected)
    assert all(len(row) == len(expected[0]) for row in table.rows)
    assert table.header_rows == 1
    assert _agreement(table, expected) >= 0.95, _texts(table)
    # The table sits below the form block and inside the page.
    assert 0.3 < table.bbox.y < 0.45 and table.bbox.width > 0.6


@pytest.mark.parametrize("kind", ["invoice", "statement"])
@pytest.mark.parametrize("style", STYLES)
def test_tables_in_pdf_text_layers(engine: Engine, style: str, kind: str) -> None:
    expected = TABLES[kind]
    result = engine.analyze(table_pdf(style, expected), DOCUMENT)
    assert result.pages[0].text_source == "text_layer"
    assert len(result.tables) == 1
    table = result.tables[0]
    assert table.page == 1
    assert _texts(table) == [list(row) for row in expected]
    assert table.header_rows == 1
    assert result.extracted is not None
    assert result.extracted["key_values"]["Customer"] == "Northwind Traders"


def test_form_pairs_come_from_the_layout(engine: Engine) -> None:
    result = engine.analyze(encode(form_page(), "JPEG", quality=80), DOCUMENT)
    assert result.extracted is not None
    pairs = result.extracted["key_values"]
    for label, value in FORM_PAIRS.items():
        assert pairs.get(label) == value, pairs
    assert result.tables == []  # two pairs a line are a form, not a table


def test_table_cells_are_not_form_fields(engine: Engine) -> None:
    result = engine.analyze(table_pdf("ruled", INVOICE), DOCUMENT)
    assert result.extracted is not None
    assert set(result.extracted["key_values"]) == {"Invoice No.", "Date", "Customer"}


def test_describe_answers_carry_the_table_in_markdown(engine: Engine) -> None:
    result = engine.analyze(table_pdf("zebra", INVOICE), DOCUMENT)
    answer = to_markdown(result)
    assert "**Table 1 (page 1):**" in answer
    assert "| Description | Qty | Unit price | Amount |\n| --- | --- | --- | --- |" in answer
    assert "| Office chair | 2 | 149.00 | 298.00 |" in answer


@pytest.mark.parametrize("name", ["coffee", "chelsea", "astronaut"])
def test_photos_have_no_tables(engine: Engine, name: str) -> None:
    assert engine.analyze(encode(photo(name), "JPEG"), DOCUMENT).tables == []


def test_a_page_of_plain_text_has_no_tables(engine: Engine) -> None:
    page = text_page().image
    assert engine.analyze(encode(page, "PNG"), DOCUMENT).tables == []


def test_spanned_cells_in_markdown() -> None:
    box = BBox(x=0, y=0, width=0.1, height=0.1)
    table = Table(
        bbox=box,
        rows=[
            [TableCell(text="Item", bbox=box), TableCell(text="Price | EUR", bbox=box)],
            [TableCell(text="Subtotal and tax", bbox=box, col_span=2)],
        ],
        header_rows=1,
    )
    assert table_markdown(table) == (
        "| Item | Price \\| EUR |\n| --- | --- |\n| Subtotal and tax |  |"
    )
    assert "page" not in table.model_dump(mode="json")


def test_the_wire_leaves_tables_out_when_there_are_none() -> None:
    from imagelens.types import ImageMetadata

    metadata = ImageMetadata(width=1, height=1, format="png", size_bytes=1, content_type="x")
    answer = AnalyzeCompleted(
        image_id="i",
        processing_time_ms=1.0,
        description=None,
        visible_text=None,
        tags=[],
        metadata=metadata,
        confidence_score=None,
    )
    assert "tables" not in answer.model_dump(mode="json")
    assert AnalysisResult.model_fields["tables"].default == []
