"""Rendered fixtures that look like real-world pages: a two-column article with a heading and
hyphenated line ends, and a shop receipt (narrow, item and price columns). Each knows its text
in reading order."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from tests.imagegen import font

ARTICLE_LEFT = (
    "The harbour town woke slowly",
    "that morning. Fishermen car-",
    "ried their nets to the boats",
    "while the baker opened his",
    "shutters and the smell of",
    "fresh bread drifted along the",
    "quay. Nobody noticed the old",
    "steamer waiting past the pier.",
    "Its captain had sailed these",
    "waters for forty years.",
)
ARTICLE_RIGHT = (
    "By noon the market was full.",
    "Children ran between the",
    "stalls, and traders called out",
    "their prices for apples, fish",
    "and cheese. The mayor gave a",
    "short speech about the new",
    "lighthouse, which would guide",
    "ships safely into the bay.",
    "Everyone cheered when the",
    "lamp was finally switched on.",
)


@dataclass(frozen=True)
class Fixture:
    image: Image.Image
    text: str  # in reading order, a line per line


def two_column_page() -> Fixture:
    """A magazine-like page: a heading across the page, then two columns whose lines share
    baselines (the layout that gets stitched row by row without column detection)."""
    image = Image.new("RGB", (1240, 1000), (250, 249, 245))
    draw = ImageDraw.Draw(image)
    draw.text((80, 60), "Lights Over the Harbour", fill="black", font=font(44, bold=True))
    body = font(24)
    for column, x in ((ARTICLE_LEFT, 80), (ARTICLE_RIGHT, 660)):
        for i, line in enumerate(column):
            draw.text((x, 190 + i * 40), line, fill=(20, 20, 20), font=body)
    text = "\n".join(("Lights Over the Harbour", *ARTICLE_LEFT, *ARTICLE_RIGHT))
    return Fixture(image, text)


RECEIPT_ITEMS = (
    ("2 x Milk 1L", "2.58"),
    ("Bread Wholemeal", "3.20"),
    ("Apples 1kg", "2.99"),
    ("Cheddar 200g", "4.15"),
    ("Coffee Beans", "8.90"),
)


def receipt() -> Fixture:
    """A till receipt: narrow, centred header, items with prices in a right column, totals."""
    width = 420
    lines: list[tuple[str, str | None, bool]] = [
        ("CORNER MARKET", None, True),
        ("12 High Street", None, False),
        ("TAX INVOICE", None, False),
        ("Date: 14/03/2024 10:42", None, False),
        *((item, price, False) for item, price in RECEIPT_ITEMS),
        ("TOTAL", "21.82", True),
        ("CASH", "30.00", False),
        ("CHANGE", "8.18", False),
        ("GST included 1.98", None, False),
        ("Thank you!", None, False),
    ]
    height = 90 + len(lines) * 44
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for i, (left, right, bold) in enumerate(lines):
        y = 40 + i * 44
        f = font(22, bold=bold)
        if right is None:
            x = (width - draw.textlength(left, font=f)) / 2
            draw.text((x, y), left, fill="black", font=f)
        else:
            draw.text((24, y), left, fill="black", font=f)
            draw.text((width - 24 - draw.textlength(right, font=f), y), right, fill="black", font=f)
    text = "\n".join(f"{left} {right}" if right else left for left, right, _ in lines)
    return Fixture(image, text)
