"""Test and benchmark images: real photos from skimage/matplotlib, text rendered with DejaVu."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein
from skimage import data

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
SAMPLE_DIR = Path(matplotlib.get_data_path()) / "sample_data"

PAGE_LINES = (
    "Invoice number 48213",
    "Date: 12 March 2024",
    "Customer: Northwind Traders",
    "The quick brown fox jumps over the lazy dog.",
    "Pack my box with five dozen liquor jugs.",
    "Total amount due: 1,250.00 EUR",
    "Please pay within thirty days of receipt.",
    "Questions? Write to billing@example.org",
)


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size
    )


def encode(image: Image.Image, fmt: str = "PNG", **kwargs: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def photo(name: str) -> Image.Image:
    """A real photo from skimage.data (chelsea, coffee, rocket, astronaut, ...) as RGB."""
    if name == "grace_hopper":
        return Image.open(SAMPLE_DIR / "grace_hopper.jpg").convert("RGB")
    return Image.fromarray(getattr(data, name)()).convert("RGB")


@dataclass(frozen=True)
class RenderedPage:
    image: Image.Image
    lines: tuple[str, ...]
    # Pixel boxes (x0, y0, x1, y1) of every word, as drawn.
    word_boxes: tuple[tuple[str, tuple[int, int, int, int]], ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def text_page(
    lines: tuple[str, ...] = PAGE_LINES,
    size: tuple[int, int] = (1240, 1754),
    font_size: int = 30,
    spacing: float = 1.9,
) -> RenderedPage:
    """A white, A4-shaped page of black text with known content and word positions."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    f = font(font_size)
    words: list[tuple[str, tuple[int, int, int, int]]] = []
    y = 120
    for line in lines:
        x = 100
        for word in line.split(" "):
            box = draw.textbbox((x, y), word, font=f)
            draw.text((x, y), word, fill="black", font=f)
            words.append((word, (int(box[0]), int(box[1]), int(box[2]), int(box[3]))))
            x = int(box[2]) + int(f.getlength(" "))
        y += int(font_size * spacing)
    assert y < size[1], "the lines do not fit on the page"
    return RenderedPage(image=image, lines=lines, word_boxes=tuple(words))


def dense_page(n_lines: int = 40) -> RenderedPage:
    """An A4 page full of 12 pt-like text (40 lines), for the OCR benchmark."""
    base = PAGE_LINES * (n_lines // len(PAGE_LINES) + 1)
    return text_page(tuple(base[:n_lines]), font_size=24, spacing=1.55)


def screenshot() -> Image.Image:
    """An application window: title bar, coloured sidebar, buttons and UI text."""
    image = Image.new("RGB", (1280, 800), (245, 246, 248))
    d = ImageDraw.Draw(image)
    d.rectangle((0, 0, 1280, 56), fill=(32, 36, 48))
    d.text((24, 14), "Inbox - Mail", fill="white", font=font(24, bold=True))
    d.rectangle((0, 56, 260, 800), fill=(44, 62, 120))
    for i, item in enumerate(("Inbox", "Drafts", "Sent", "Archive", "Spam", "Settings")):
        d.text((28, 90 + i * 56), item, fill="white", font=font(22))
    for i, subject in enumerate(
        (
            "Quarterly report is ready",
            "Lunch on Friday?",
            "Your order has shipped",
            "Meeting notes from Tuesday",
            "Password reset request",
        )
    ):
        top = 90 + i * 110
        d.rectangle((290, top, 1250, top + 90), fill="white", outline=(210, 214, 220))
        d.text((310, top + 14), subject, fill=(20, 20, 20), font=font(24, bold=True))
        d.text((310, top + 52), "Open the message to read more", fill=(90, 90, 90), font=font(18))
    d.rounded_rectangle((1100, 700, 1250, 760), radius=10, fill=(0, 120, 215))
    d.text((1128, 715), "Compose", fill="white", font=font(22))
    return image


def noise_photo(width: int, height: int, seed: int = 0) -> Image.Image:
    """A large natural-looking photo: a real photo tiled and resized, plus grain."""
    base = photo("astronaut").resize((width, height), Image.Resampling.BICUBIC)
    grain = np.random.default_rng(seed).normal(0, 6, (height, width, 3))
    arr = np.clip(np.asarray(base, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def character_error_rate(expected: str, got: str) -> float:
    """Edit distance over the expected length, whitespace normalised."""
    a, b = " ".join(expected.split()), " ".join((got or "").split())
    return Levenshtein.distance(a, b) / max(1, len(a))


def huge_png(width: int = 10_000, height: int = 9_999) -> bytes:
    """A small file that declares a huge RGB image (a grey gradient band), written row by row
    so making it never holds the pixels: the memory-amplification attack."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    packer = zlib.compressobj(9)
    rows = [b"\x00" + bytes([shade]) * (3 * width) for shade in range(0, 256, 32)]
    idat = b"".join(packer.compress(rows[(y * 8) // height]) for y in range(height))
    idat += packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
