"""Screens that do not look like a phone's own capture: a store-listing image (headline over a
pastel gradient, the app inside a drawn phone) and a light desktop window at an odd size;
next to pages and receipts that must keep their kinds."""

from __future__ import annotations

import pytest

from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.kinds.screens import status_bar, status_bar_regions
from imagelens.types import BBox, ContentCategory, TextRegion
from tests.imagegen import encode
from tests.screens import book_page, degrade, desktop_window, photographed_receipt, store_listing

AUTO = AnalysisOptions(category=ContentCategory.AUTO)


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("how", ["png", "scaled"])
def test_store_listing_images_are_screenshots(engine: Engine, index: int, how: str) -> None:
    image = degrade(store_listing(index).image, how)
    result = engine.analyze(encode(image), AUTO)
    assert result.category == ContentCategory.SCREENSHOT, (index, how)
    # The status bar drawn inside the phone is no heading ("headed “LTEΔ”").
    assert "LTE" not in result.description and "9:41" not in result.description


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("how", ["png", "jpeg"])
def test_light_desktop_windows_are_screenshots(engine: Engine, index: int, how: str) -> None:
    # 1153x734 (no screen's size), mostly white and full of text: filed as a page before.
    image = degrade(desktop_window(index).image, how)
    result = engine.analyze(encode(image), AUTO)
    assert result.category == ContentCategory.SCREENSHOT, (index, how)


@pytest.mark.parametrize("how", ["jpeg", "skewed"])
def test_pages_and_receipts_keep_their_kinds(engine: Engine, how: str) -> None:
    for fixture in (book_page(), photographed_receipt()):
        result = engine.analyze(encode(degrade(fixture.image, how)), AUTO)
        assert result.category == ContentCategory.DOCUMENT, (fixture.text[:20], how)


def _region(text: str, x: float, y: float, w: float = 0.08, h: float = 0.015) -> TextRegion:
    return TextRegion(text=text, confidence=0.9, bbox=BBox(x=x, y=y, width=w, height=h))


def test_a_status_bar_is_found_where_the_phone_is_drawn() -> None:
    listing = [
        _region("Convert any unit", 0.1, 0.06, 0.8, 0.04),
        _region("9:41", 0.22, 0.265),
        _region("LTEΔ", 0.63, 0.266),  # the battery icon read as a character
        _region("Qonvert", 0.22, 0.31, 0.3, 0.03),
        _region("Length", 0.3, 0.39),
    ]
    assert [r.text for r in status_bar_regions(listing)] == ["9:41", "LTEΔ"]
    assert status_bar(listing)
    # A receipt's time shares its line with the date; a page's time sits among its words.
    receipt = [
        _region("CORNER MARKET", 0.3, 0.05, 0.4),
        _region("14/03/2024", 0.1, 0.2, 0.3),
        _region("10:42", 0.6, 0.2),
        _region("Milk 2.58", 0.1, 0.3, 0.8),
        _region("TOTAL 21.82", 0.1, 0.4, 0.8),
    ]
    assert not status_bar(receipt)
    page = [_region(f"line {i}", 0.1, 0.1 + i * 0.05, 0.8) for i in range(8)]
    page.append(_region("10:30", 0.1, 0.8))
    assert not status_bar(page)
