"""Scanned multi-column magazine pages: rendered, then degraded until they fail like real scans.

A page has a headline and a deck across the columns, justified serif columns whose gutter is
only a little wider than a word gap (so justified lines nearly touch across it), a real photo
spanning two columns with a caption, a pull quote inside a column and a running footer. The
scan is then rotated by under a degree, blurred, given paper tone, Gaussian noise and speckle,
and JPEG-compressed at an odd size. Each fixture knows its text in reading order: headline,
deck, then column by column (a spanning picture's caption where it sits in its column band),
footer last.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tests.imagegen import FONT_DIR, photo
from tests.layouts import Fixture

_WORDS = (
    "the river town harbour market bridge council water winter spring summer road school "
    "family farmer baker teacher doctor village city morning evening night people year "
    "workers families children mayor engineers boats trains letters houses streets fields "
    "flour sugar oil bread coffee salt wood stone iron paper lamps roofs windows doors "
    "returned visited built opened carried waited promised repaired counted measured wrote "
    "asked answered remembered crossed followed planted gathered shared lost found moved "
    "slowly quietly early later again never always often together almost nearly still "
    "old new long short small large quiet busy cold warm dry heavy bright narrow broad "
    "north south east west after before during under over between through along against "
    "and but because while when although since until where which who that with from into"
).split()


def _serif(size: int, style: str = "") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / f"DejaVuSerif{style}.ttf"), size)


def _paragraphs(rng: random.Random, n: int) -> list[str]:
    paragraphs = []
    for _ in range(n):
        sentences = []
        for _ in range(rng.randint(3, 6)):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(7, 16))]
            if len(words) > 9 and rng.random() < 0.5:
                words[rng.randint(3, len(words) - 4)] += ","
            sentence = " ".join(words)
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
        paragraphs.append(" ".join(sentences))
    return paragraphs


@dataclass
class _Column:
    x: int
    width: int
    y: int
    bottom: int


class _Page:
    """A page being typeset: draws text and keeps the lines in reading order."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.image = Image.new("RGB", size, "white")
        self.draw = ImageDraw.Draw(self.image)
        self.lines: list[str] = []

    def line(self, x: float, y: float, text: str, font: ImageFont.FreeTypeFont) -> None:
        self.draw.text((x, y), text, fill=(18, 18, 18), font=font)
        self.lines.append(text)

    def justified(
        self, col: _Column, text: str, font: ImageFont.FreeTypeFont, pitch: int, indent: int
    ) -> str | None:
        """Set a paragraph justified in the column from its current y; what did not fit is
        returned (the rest flows into the next column)."""
        words = text.split()
        space = font.getlength(" ")
        first = True
        while words:
            if col.y + pitch > col.bottom:
                return " ".join(words)
            lead = indent if first else 0
            taken: list[str] = []
            width = 0.0
            while words and width + font.getlength(words[0]) + space * len(taken) <= (
                col.width - lead
            ):
                width += font.getlength(words[0])
                taken.append(words.pop(0))
            last = not words
            gap = space if last or len(taken) < 2 else (col.width - lead - width) / (len(taken) - 1)
            x: float = col.x + lead
            for word in taken:
                self.draw.text((x, col.y), word, fill=(18, 18, 18), font=font)
                x += font.getlength(word) + gap
            self.lines.append(" ".join(taken))
            col.y += pitch
            first = False
        col.y += pitch // 3  # paragraph space
        return None


def _flow(
    page: _Page,
    columns: list[_Column],
    paragraphs: list[str],
    font: ImageFont.FreeTypeFont,
    pitch: int,
    pull: tuple[int, int, list[str]] | None = None,
) -> None:
    """Flow paragraphs through the columns; ``pull`` = (column, after line n, quote lines)
    sets a pull quote between rules inside that column."""
    queue = list(paragraphs)
    indent = int(font.size * 1.2)
    for i, col in enumerate(columns):
        set_in_column = 0
        while queue:
            if pull is not None and pull[0] == i and set_in_column >= pull[1]:
                quote = _serif(int(font.size * 1.45), "-Italic")
                page.draw.line((col.x, col.y, col.x + col.width, col.y), fill=(40, 40, 40), width=4)
                col.y += pitch // 2
                for q in pull[2]:
                    page.line(col.x + font.size, col.y, q, quote)
                    col.y += int(quote.size * 1.3)
                col.y += pitch // 3
                page.draw.line((col.x, col.y, col.x + col.width, col.y), fill=(40, 40, 40), width=4)
                col.y += pitch
                pull = None
            before = len(page.lines)
            rest = page.justified(col, queue.pop(0), font, pitch, indent)
            set_in_column += len(page.lines) - before
            if rest is not None:
                queue.insert(0, rest)
                indent = 0  # the paragraph continues at the top of the next column
                break
            indent = int(font.size * 1.2)


def _picture(page: _Page, name: str, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    page.image.paste(photo(name).resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS), (x0, y0))


def three_column_page(seed: int = 3, size: tuple[int, int] = (2560, 3300)) -> Fixture:
    """A magazine page at 300 dpi: headline and deck across, a photo over columns 1-2 with a
    caption, a pull quote in column 3, justified columns with a gutter of ~2 word gaps."""
    rng = random.Random(seed)
    width, height = size
    page = _Page(size)
    body = _serif(34)
    pitch = 45
    margin, gutter = 150, 30
    col_w = (width - 2 * margin - 2 * gutter) // 3
    headline = _serif(104, "-Bold")
    page.line(margin, 150, "Rebuilding the River Towns", headline)
    deck = _serif(52, "-Italic")
    page.line(margin, 310, "Ten years after the flood, the valley counts what came back", deck)
    page.line(margin, 380, "and what the families are still waiting for.", deck)
    top = 520
    pic = (margin, top, margin + 2 * col_w + gutter, top + 860)
    _picture(page, "astronaut", pic)
    caption = _serif(32, "-Italic")
    cap_y = pic[3] + 24
    page.line(
        margin, cap_y, "The old bridge at dawn: engineers say the new piers will hold", caption
    )
    page.line(margin, cap_y + 42, "against a flood twice the size of the last one.", caption)
    bottom = height - 260
    below = cap_y + 42 + 100
    columns = [
        _Column(margin, col_w, below, bottom),
        _Column(margin + col_w + gutter, col_w, below, bottom),
        _Column(margin + 2 * (col_w + gutter), col_w, top, bottom),
    ]
    quote = ["We built it once,", "and we can build", "it again, stone", "by stone."]
    _flow(page, columns, _paragraphs(rng, 30), body, pitch, pull=(2, 18, quote))
    # Headline, deck, caption, then the columns in order: the caption sits above columns 1-2.
    footer = _serif(30)
    page.line(margin, height - 180, "24", footer)
    name = "THE VALLEY REVIEW  SPRING 2024"
    page.line(width - margin - footer.getlength(name), height - 180, name, footer)
    return Fixture(page.image, "\n".join(page.lines))


def two_column_page(seed: int = 7, size: tuple[int, int] = (1700, 2200)) -> Fixture:
    """A letter page at 200 dpi: headline and deck across, two justified columns with a pull
    quote in the second, a photo across both columns at the foot with its caption."""
    rng = random.Random(seed)
    width, height = size
    page = _Page(size)
    body = _serif(24)
    pitch = 31
    margin, gutter = 110, 21
    col_w = (width - 2 * margin - gutter) // 2
    page.line(margin, 100, "A Winter on the Northern Line", _serif(70, "-Bold"))
    deck = _serif(36, "-Italic")
    page.line(margin, 205, "The last stationmaster remembers the trains, the snow and", deck)
    page.line(margin, 252, "the village that grew up around a single platform.", deck)
    top = 350
    pic_top = height - 720
    columns = [
        _Column(margin, col_w, top, pic_top - 50),
        _Column(margin + col_w + gutter, col_w, top, pic_top - 50),
    ]
    quote = ["The snow came early", "and the trains", "came late."]
    _flow(page, columns, _paragraphs(rng, 16), body, pitch, pull=(1, 9, quote))
    _picture(page, "coffee", (margin, pic_top, width - margin, pic_top + 480))
    caption = _serif(24, "-Italic")
    page.line(
        margin, pic_top + 500, "Morning coffee at the station buffet, which closed in the", caption
    )
    page.line(margin, pic_top + 532, "spring after the line was cut back to the junction.", caption)
    return Fixture(page.image, "\n".join(page.lines))


def scanned(
    page: Fixture,
    *,
    angle: float,
    quality: int,
    seed: int = 0,
    blur: float = 1.0,
    noise: float = 9.0,
    speckle: float = 4e-5,
) -> Fixture:
    """The page as a scanner returns it: off-white paper, slightly rotated, blurred, noisy,
    speckled and JPEG-compressed."""
    rng = np.random.default_rng(seed)
    image = page.image.copy()
    draw = ImageDraw.Draw(image)
    w, h = image.size
    for _ in range(int(speckle * w * h)):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = float(rng.uniform(0.8, 3.0))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(60, 60, 60))
    paper = (236, 232, 222)
    tinted = Image.fromarray(
        (np.asarray(image, dtype=np.float32) * (np.array(paper) / 255.0)).astype(np.uint8)
    )
    turned = tinted.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=paper)
    soft = turned.filter(ImageFilter.GaussianBlur(blur))
    grain = rng.normal(0.0, noise, (h, w, 1))
    noisy = np.clip(np.asarray(soft, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(noisy).save(out, format="JPEG", quality=quality)
    return Fixture(Image.open(io.BytesIO(out.getvalue())).convert("RGB"), page.text)


def three_column_scan() -> Fixture:
    """The three-column page scanned at 2560x3300, turned 0.8 degrees, JPEG quality 50."""
    return scanned(three_column_page(), angle=-0.8, quality=50, seed=1)


def three_column_scan_a4() -> Fixture:
    """Another three-column page on A4 at 300 dpi (2480x3508), turned 1 degree, quality 40."""
    return scanned(
        three_column_page(seed=11, size=(2480, 3508)), angle=1.0, quality=40, seed=2, blur=1.2
    )


def two_column_scan() -> Fixture:
    """The two-column page scanned at 200 dpi (1700x2200), turned 0.6 degrees, quality 65."""
    return scanned(two_column_page(), angle=0.6, quality=65, seed=3, blur=0.8)
