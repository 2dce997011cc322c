"""Screens the way real captures come in, next to pages and receipts the way scans and phone
photos of paper come in.

- a store-listing image (1024x2000): a marketing headline over a pastel gradient, above a
  drawn phone frame whose screen shows the app, status bar included but far below the
  image's top;
- a light-themed desktop application window (1153x734, no screen's size): title bar,
  toolbar, sidebar, a list with columns;
- a book page (cream paper, serif, justified, running head and folio) and a receipt
  photographed on a table, both degraded;
- :func:`degrade`: JPEG, odd scaling, sensor noise, a slight skew, as real files arrive.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tests.imagegen import FONT_DIR, font
from tests.layouts import Fixture, receipt

LISTING_APPS = (
    ("Track every coin", "you spend", "Budgetly", "dark"),
    ("Convert any unit", "in one tap", "Qonvert", "light"),
    ("Cook something", "new tonight", "Recipes", "light"),
)
_ROWS = {
    "Budgetly": ("Groceries  -54.20", "Rent  -950.00", "Salary  +2,400.00", "Coffee  -3.80",
                 "Gym  -29.00", "Books  -18.50", "Train  -12.40"),
    "Qonvert": ("Length  km to mi", "Weight  kg to lb", "Volume  l to gal", "Speed  km/h to mph",
                "Area  m2 to ft2", "Currency  EUR to USD", "Time  h to min"),
    "Recipes": ("Lemon pasta  20 min", "Green curry  35 min", "Tomato soup  25 min",
                "Fish tacos  30 min", "Risotto  40 min", "Pancakes  15 min", "Falafel  45 min"),
}  # fmt: skip
_PASTELS = (((255, 214, 224), (255, 240, 214)), ((214, 236, 255), (230, 222, 255)),
            ((214, 255, 230), (255, 250, 214)))  # fmt: skip


def _gradient(
    size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> Image.Image:
    w, h = size
    t = np.linspace(0.0, 1.0, h)[:, None, None]
    rows = (1 - t) * np.array(top)[None, None, :] + t * np.array(bottom)[None, None, :]
    return Image.fromarray(np.repeat(rows, w, axis=1).round().astype(np.uint8))


def _phone_ui(size: tuple[int, int], app: str, theme: str) -> Image.Image:
    """An app screen: status bar ("9:41", "LTE", a battery), a large title, rows, a tab bar."""
    w, h = size
    bg, fg, line = ((18, 18, 22), (240, 240, 245), (52, 52, 58))
    if theme == "light":
        bg, fg, line = (248, 248, 250), (20, 20, 24), (222, 222, 228)
    screen = Image.new("RGB", size, bg)
    d = ImageDraw.Draw(screen)
    d.text((36, 18), "9:41", fill=fg, font=font(30, bold=True))
    d.text((w - 190, 20), "LTE", fill=fg, font=font(26, bold=True))
    d.rounded_rectangle((w - 110, 22, w - 50, 50), radius=6, outline=fg, width=3)
    d.rectangle((w - 104, 28, w - 70, 44), fill=fg)
    d.text((36, 110), app, fill=fg, font=font(64, bold=True))
    for i, row in enumerate(_ROWS[app]):
        y = 230 + i * 118
        name, _, value = row.partition("  ")
        d.ellipse((36, y + 18, 100, y + 82), fill=(90, 140, 240) if i % 2 else (240, 150, 80))
        d.text((124, y + 30), name, fill=fg, font=font(34))
        d.text((w - 40 - d.textlength(value, font=font(30)), y + 34), value, fill=fg,
               font=font(30))  # fmt: skip
        d.line((124, y + 116, w, y + 116), fill=line, width=2)
    d.rectangle((0, h - 110, w, h), fill=line)
    for i, tab in enumerate(("Home", "Stats", "Settings")):
        d.text((60 + i * (w - 120) // 3, h - 70), tab, fill=fg, font=font(24))
    return screen


def store_listing(index: int = 0) -> Fixture:
    """A store-listing image: pastel gradient, a two-line headline, a phone showing the app."""
    first, second, app, theme = LISTING_APPS[index % len(LISTING_APPS)]
    top, bottom = _PASTELS[index % len(_PASTELS)]
    image = _gradient((1024, 2000), top, bottom)
    d = ImageDraw.Draw(image)
    headline = font(84, bold=True)
    for i, text in enumerate((first, second)):
        d.text(((1024 - d.textlength(text, font=headline)) / 2, 120 + i * 110), text,
               fill=(40, 40, 60), font=headline)  # fmt: skip
    # The phone: a shadow, a dark bezel with round corners, the screen inset in it.
    shadow = Image.new("L", image.size, 0)
    ImageDraw.Draw(shadow).rounded_rectangle((182, 520, 862, 2030), radius=90, fill=120)
    image.paste((60, 60, 80), mask=shadow.filter(ImageFilter.GaussianBlur(24)))
    d.rounded_rectangle((162, 480, 862, 2010), radius=90, fill=(28, 28, 32))
    screen = _phone_ui((640, 1470), app, theme)
    mask = Image.new("L", screen.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, 639, 1469), radius=64, fill=255)
    image.paste(screen, (192, 510), mask)
    d.rounded_rectangle((432, 522, 622, 556), radius=17, fill=(0, 0, 0))  # the notch
    return Fixture(image, "\n".join((first, second, app)))


def desktop_window(index: int = 0) -> Fixture:
    """A light-themed 1153x734 application window: title bar, toolbar, sidebar, a list."""
    w, h = 1153, 734
    image = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(image)
    d.rectangle((0, 0, w, 38), fill=(236, 236, 236))
    for i, colour in enumerate(((255, 95, 86), (255, 189, 46), (39, 201, 63))):
        d.ellipse((14 + i * 22, 12, 28 + i * 22, 26), fill=colour)
    title = ("Documents", "Downloads", "Projects")[index % 3]
    d.text(((w - d.textlength(title, font=font(15, bold=True))) / 2, 10), title,
           fill=(60, 60, 60), font=font(15, bold=True))  # fmt: skip
    d.rectangle((0, 38, w, 82), fill=(246, 246, 246))
    d.line((0, 82, w, 82), fill=(214, 214, 214))
    for i, button in enumerate(("Back", "Share", "New Folder", "Sort")):
        x = 220 + i * 120
        d.rounded_rectangle((x, 48, x + 108, 74), radius=5, outline=(200, 200, 200),
                            fill=(255, 255, 255))  # fmt: skip
        d.text((x + 12, 53), button, fill=(50, 50, 50), font=font(14))
    d.rounded_rectangle((w - 240, 48, w - 16, 74), radius=8, fill=(232, 232, 232))
    d.text((w - 226, 53), "Search", fill=(140, 140, 140), font=font(14))
    d.rectangle((0, 83, 200, h), fill=(240, 240, 242))
    d.line((200, 83, 200, h), fill=(214, 214, 214))
    d.text((16, 98), "Favourites", fill=(150, 150, 150), font=font(12, bold=True))
    for i, place in enumerate(("Recents", "Applications", "Desktop", "Documents", "Downloads",
                               "Pictures", "Music")):  # fmt: skip
        if place == title:
            d.rounded_rectangle(
                (8, 120 + i * 30, 192, 146 + i * 30), radius=5, fill=(210, 224, 250)
            )
        d.text((30, 124 + i * 30), place, fill=(40, 40, 40), font=font(15))
    header = font(13, bold=True)
    for x, label in ((224, "Name"), (640, "Date Modified"), (880, "Size"), (1000, "Kind")):
        d.text((x, 92), label, fill=(110, 110, 110), font=header)
    d.line((210, 112, w, 112), fill=(224, 224, 224))
    names = ("Annual report 2023.pdf", "Budget.xlsx", "Holiday photos", "Invoice 4821.pdf",
             "Meeting notes.docx", "Presentation.key", "Receipts", "Résumé.pdf", "Taxes 2024",
             "Wedding list.txt", "Website mockup.fig", "Zoom recording.mp4")  # fmt: skip
    for i, name in enumerate(names):
        y = 118 + i * 44
        if i % 2:
            d.rectangle((201, y, w, y + 44), fill=(245, 245, 247))
        d.rectangle((224, y + 12, 244, y + 32), fill=(92, 160, 240) if "." not in name else
                    (200, 200, 205))  # fmt: skip
        d.text((256, y + 13), name, fill=(30, 30, 30), font=font(15))
        d.text((640, y + 13), f"{3 + i} May 2024 at 1{i % 10}:2{i % 6}", fill=(90, 90, 90),
               font=font(14))  # fmt: skip
        d.text((880, y + 13), "--" if "." not in name else f"{(i + 1) * 137} KB",
               fill=(90, 90, 90), font=font(14))  # fmt: skip
        d.text((1000, y + 13), "Folder" if "." not in name else "Document", fill=(90, 90, 90),
               font=font(14))  # fmt: skip
    return Fixture(image, "\n".join((title, *names)))


BOOK_TEXT = (
    "The rain had not stopped for three days when the letter arrived at the house on the hill. "
    "Margaret read it twice by the window, then folded it into her apron and said nothing to "
    "anyone until supper, when the lamps were lit and the children had gone quiet over their "
    "plates. Her brother, she told them, was coming home from the coast, and he would stay the "
    "winter. Nobody asked why; the look on her face was answer enough, and the wind rattled the "
    "shutters as if it too had something to say about the matter. In the morning the road was "
    "a river of mud, and the carter who brought the flour swore he would not come again before "
    "spring. Still the house waited, swept and aired, the spare bed made up with the good linen "
    "and a jug of dried lavender set on the sill."
)


def book_page() -> Fixture:
    """A scanned book page: cream paper, justified serif text, running head and folio."""
    w, h = 1100, 1600
    image = Image.new("RGB", (w, h), (246, 240, 226))
    d = ImageDraw.Draw(image)
    serif = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif.ttf"), 30)
    head = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif-Italic.ttf"), 24)
    d.text((w / 2 - 110, 80), "THE HOUSE ON THE HILL", fill=(60, 55, 50), font=head)
    words = (BOOK_TEXT + " " + BOOK_TEXT).split()
    lines: list[list[str]] = []
    current: list[str] = []
    for word in words:
        if d.textlength(" ".join([*current, word]), font=serif) > w - 240:
            lines.append(current)
            current = []
        current.append(word)
    lines.append(current)
    for i, line in enumerate(lines[:30]):
        y, gap = 170 + i * 44, (w - 240 - sum(d.textlength(x, font=serif) for x in line))
        x, space = 120.0, gap / max(1, len(line) - 1) if i < len(lines) - 1 else 12
        for word in line:
            d.text((x, y), word, fill=(25, 22, 20), font=serif)
            x += d.textlength(word, font=serif) + space
    d.text((w / 2 - 20, h - 100), "127", fill=(60, 55, 50), font=serif)
    return Fixture(image, BOOK_TEXT)


def photographed_receipt(seed: int = 0) -> Fixture:
    """A receipt photographed on a wooden table: grey-brown border, a slight rotation."""
    paper = receipt().image
    table = np.random.default_rng(seed).normal(0, 10, (paper.height + 300, paper.width + 300, 3))
    table += np.array((120, 92, 64))[None, None, :]
    base = Image.fromarray(np.clip(table, 0, 255).astype(np.uint8))
    base.paste(paper, (150, 150))
    return Fixture(base.rotate(2.0, resample=Image.Resampling.BICUBIC, fillcolor=(120, 92, 64)),
                   receipt().text)  # fmt: skip


def degrade(image: Image.Image, how: str, seed: int = 0) -> Image.Image:
    """``image`` as files really arrive: "jpeg" (quality 75), "scaled" (0.83x, then JPEG 85),
    "noisy" (sensor noise sigma 4, then JPEG 90), "skewed" (0.8 degrees, noise, JPEG 80)."""
    if how == "scaled":
        size = (round(image.width * 0.83), round(image.height * 0.83))
        return _jpeg(image.resize(size, Image.Resampling.BICUBIC), 85)
    if how in ("noisy", "skewed"):
        if how == "skewed":
            image = image.rotate(0.8, resample=Image.Resampling.BICUBIC, expand=True,
                                 fillcolor=image.getpixel((0, 0)))  # fmt: skip
        grain = np.random.default_rng(seed).normal(0, 4, (image.height, image.width, 3))
        noisy = np.clip(np.asarray(image.convert("RGB"), dtype=np.float32) + grain, 0, 255)
        return _jpeg(Image.fromarray(noisy.astype(np.uint8)), 90 if how == "noisy" else 80)
    return _jpeg(image, 75) if how == "jpeg" else image


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    out.seek(0)
    return Image.open(out).convert("RGB")
