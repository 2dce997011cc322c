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


def receipt(items: tuple[tuple[str, str], ...] = RECEIPT_ITEMS, width: int = 420) -> Fixture:
    """A till receipt: narrow, centred header, items with prices in a right column, totals."""
    total = f"{sum(float(price) for _, price in items):.2f}"
    lines: list[tuple[str, str | None, bool]] = [
        ("CORNER MARKET", None, True),
        ("12 High Street", None, False),
        ("TAX INVOICE", None, False),
        ("Date: 14/03/2024 10:42", None, False),
        *((item, price, False) for item, price in items),
        ("TOTAL", total, True),
        ("CASH", f"{float(total) + 8.18:.2f}", False),
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


_THEMES = {
    "light": {"bg": (255, 255, 255), "fg": (17, 17, 17), "line": (229, 229, 234)},
    "dark": {"bg": (0, 0, 0), "fg": (242, 242, 247), "line": (44, 44, 46)},
}
SETTINGS_ROWS = ("Wi-Fi", "Bluetooth", "Mobile Data", "Notifications", "Sounds", "Display",
                 "Battery", "Privacy", "Storage", "About phone")  # fmt: skip


def phone_screenshot(theme: str = "light") -> Fixture:
    """A 1080x2400 settings screen: status bar (clock, battery), title, rows with toggles."""
    colours = _THEMES[theme]
    image = Image.new("RGB", (1080, 2400), colours["bg"])
    draw = ImageDraw.Draw(image)
    draw.text((60, 28), "9:41", fill=colours["fg"], font=font(40, bold=True))
    draw.text((900, 30), "87%", fill=colours["fg"], font=font(36))
    draw.rounded_rectangle((990, 36, 1040, 64), radius=6, outline=colours["fg"], width=3)
    draw.text((60, 170), "Settings", fill=colours["fg"], font=font(72, bold=True))
    for i, label in enumerate(SETTINGS_ROWS):
        y = 340 + i * 150
        draw.text((60, y + 40), label, fill=colours["fg"], font=font(44))
        toggle = (0, 199, 89) if i % 3 else colours["line"]
        draw.rounded_rectangle((880, y + 38, 1010, y + 110), radius=36, fill=toggle)
        draw.line((60, y + 148, 1080, y + 148), fill=colours["line"], width=2)
    text = "\n".join(("9:41 87%", "Settings", *SETTINGS_ROWS))
    return Fixture(image, text)


def desktop_screenshot(theme: str = "light") -> Fixture:
    """A 1920x1080 desktop: a menu bar with a clock, a text editor window with a document."""
    colours = _THEMES[theme]
    image = Image.new("RGB", (1920, 1080), colours["bg"])
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1920, 34), fill=colours["line"])
    draw.text(
        (20, 6), "Editor   File   Edit   View   Window   Help", fill=colours["fg"], font=font(20)
    )
    draw.text((1830, 6), "10:24", fill=colours["fg"], font=font(20))
    draw.rectangle((0, 34, 300, 1080), fill=colours["line"])
    for i, name in enumerate(("notes.txt", "plan.md", "budget.csv", "ideas.txt")):
        draw.text((24, 70 + i * 44), name, fill=colours["fg"], font=font(22))
    body = ("Meeting notes", "Agenda: budget review and hiring plan for the next quarter.",
            "Decision: move the launch to May and hire two engineers.",
            "Action items: Anna drafts the budget, Ben updates the roadmap.")  # fmt: skip
    for i, line in enumerate(body):
        draw.text(
            (360, 90 + i * 52), line, fill=colours["fg"], font=font(28 if i else 36, bold=i == 0)
        )
    return Fixture(image, "\n".join(body))


def photo_with_sign() -> Fixture:
    """A real photo with a printed notice pinned in it (a photo with text, not a page)."""
    from tests.imagegen import photo

    image = photo("rocket").resize((1280, 854))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 120, 620, 420), fill=(236, 232, 220))
    lines = ("LAUNCH VIEWING AREA", "Visitors must stay", "behind the fence")
    for i, line in enumerate(lines):
        draw.text((110, 150 + i * 80), line, fill=(30, 30, 30), font=font(40, bold=i == 0))
    return Fixture(image, "\n".join(lines))


def long_receipt(n: int = 40) -> Fixture:
    """A supermarket receipt with ``n`` items (about 2,200 px tall)."""
    goods = ("Milk 1L", "Eggs 12pk", "Rice 2kg", "Tea Bags", "Yoghurt", "Pasta 500g", "Onions",
             "Tomatoes", "Butter", "Olive Oil")  # fmt: skip
    items = tuple((f"{goods[i % len(goods)]} #{i + 1}", f"{1.05 + i * 0.37:.2f}") for i in range(n))
    return receipt(items, width=520)


def a4_page() -> Fixture:
    """An A4 page scanned at 300 dpi (2480x3508) full of 11 pt text: 60 lines."""
    from tests.imagegen import PAGE_LINES, text_page

    lines = (PAGE_LINES * 8)[:60]
    page = text_page(lines, size=(2480, 3508), font_size=40, spacing=1.4)
    return Fixture(page.image, page.text)
