"""Pictures without text: a product shot on a seamless backdrop and a flat-shaded
illustration, drawn the way studio photos and digital artwork come out (JPEG grain and soft
shadows on the one, flat fills with outlines on the other)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def product_shot(colour: tuple[int, int, int] = (178, 34, 40), seed: int = 0) -> Image.Image:
    """A mug on a white sweep: shaded body and handle, a soft shadow, sensor noise."""
    rng = np.random.default_rng(seed)
    w, h = 1200, 1200
    sweep = np.linspace(252, 238, h)[:, None, None] * np.ones((1, w, 3))
    image = Image.fromarray(np.clip(sweep, 0, 255).astype(np.uint8))
    shadow = Image.new("L", (w, h), 0)
    ImageDraw.Draw(shadow).ellipse((380, 860, 860, 950), fill=90)
    shadow = shadow.filter(ImageFilter.GaussianBlur(28))
    image.paste((150, 150, 150), mask=shadow)
    body = np.zeros((460, 360, 3))
    shade = 0.45 + 0.55 * np.sin(np.linspace(0.15, np.pi - 0.15, 360)) ** 0.7
    body[:] = shade[None, :, None] * np.array(colour)[None, None, :]
    body += np.linspace(14, -10, 460)[:, None, None]
    mug = Image.fromarray(np.clip(body, 0, 255).astype(np.uint8))
    image.paste(mug, (420, 430))
    draw = ImageDraw.Draw(image)
    dark = tuple(int(c * 0.6) for c in colour)
    draw.ellipse((420, 405, 780, 455), fill=tuple(int(c * 0.35) for c in colour))
    draw.arc((730, 510, 880, 760), start=-80, end=80, fill=dark, width=34)
    pixels = np.asarray(image, dtype=np.float64) + rng.normal(0, 2.5, (h, w, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


INK = (30, 30, 30)


def illustration() -> Image.Image:
    """A flat-shaded landscape: sky, sun, hills, a house and a tree, outlined in black."""
    image = Image.new("RGB", (1024, 768), (135, 200, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((760, 70, 900, 210), fill=(255, 210, 60), outline=INK, width=4)
    draw.ellipse((-200, 430, 600, 1000), fill=(90, 170, 80), outline=INK, width=4)
    draw.ellipse((380, 470, 1250, 1100), fill=(60, 140, 70), outline=INK, width=4)
    draw.rectangle((180, 380, 440, 600), fill=(200, 120, 70), outline=INK, width=4)
    draw.polygon([(160, 385), (310, 250), (460, 385)], fill=(190, 50, 50), outline=INK)
    draw.rectangle((280, 480, 340, 600), fill=(110, 60, 40), outline=INK, width=4)
    for x in (205, 365):
        draw.rectangle((x, 420, x + 50, 465), fill=(250, 240, 170), outline=INK, width=4)
    draw.rectangle((690, 420, 725, 560), fill=(120, 80, 40), outline=INK, width=4)
    draw.ellipse((620, 280, 800, 450), fill=(40, 120, 50), outline=INK, width=4)
    for x, y in ((80, 90), (420, 60)):
        draw.ellipse((x, y, x + 150, y + 60), fill=(250, 250, 250), outline=INK, width=4)
    return image
