"""Screen captures vs pages: the evidence a UI capture carries that paper does not.

- a status bar: a clock ("9:41", "14:57") or a battery "87%" in a thin strip at the top (phones,
  macOS menu bar) or the bottom (the Windows task bar);
- the exact pixel size of a common screen (1080x2400, 1170x2532, 1920x1080, ...);
- flat colour: rendered UI has large areas of one exact colour, photos and scans of paper
  have sensor or paper grain everywhere;
- a screen's shape (16:9-ish landscape, 2:1-ish portrait) rather than a page's (A4, letter).

Written here: these are heuristics over our own signals, not a solved problem a library has.
"""

from __future__ import annotations

import re

import numpy as np
from PIL import Image

from imagelens.intake import DecodedImage
from imagelens.types import TextRegion

_CLOCK = re.compile(r"^\d{1,2}[:.]\d{2}(?:\s?[AaPp][Mm])?$")
_BATTERY = re.compile(r"^\d{1,3}\s?%$")
# Portrait phone screens and landscape desktop/laptop screens, in pixels (width, height).
_SCREENS = frozenset(
    {
        (1080, 2400), (1080, 2340), (1080, 2280), (1080, 2220), (1080, 1920), (1080, 2160),
        (1170, 2532), (1179, 2556), (1284, 2778), (1290, 2796), (1125, 2436), (1242, 2688),
        (1206, 2622), (1320, 2868), (750, 1334), (828, 1792), (640, 1136), (720, 1600),
        (720, 1280), (1440, 3200), (1440, 3120), (1440, 3088), (1440, 2560), (1344, 2992),
        (1920, 1080), (2560, 1440), (3840, 2160), (1366, 768), (1280, 720), (1280, 800),
        (1440, 900), (1536, 864), (1600, 900), (1680, 1050), (1920, 1200), (2560, 1600),
        (2880, 1800), (3024, 1964), (3456, 2234), (2736, 1824), (2256, 1504), (5120, 2880),
    }
)  # fmt: skip


def status_bar(regions: list[TextRegion]) -> bool:
    """A clock or battery level alone in the top 6% or the bottom 5% of the image."""
    for region in regions:
        top, bottom = region.bbox.y, region.bbox.y + region.bbox.height
        if top <= 0.06 or bottom >= 0.95:
            text = region.text.strip()
            if _CLOCK.match(text) or _BATTERY.match(text):
                return True
    return False


def screen_sized(width: int, height: int) -> bool:
    return (width, height) in _SCREENS or (height, width) in _SCREENS


def screen_shaped(width: int, height: int) -> bool:
    ratio = width / height
    return 1.3 <= ratio <= 2.4 or 1.75 <= 1 / ratio <= 2.4


def flatness(image: DecodedImage) -> float:
    """Share of neighbouring pixels (at <= 512 px, box-filtered) of exactly equal colour:
    ~0.6-0.95 for rendered UI and pages, under ~0.3 for photos and scans."""
    small = image.image.copy()
    small.thumbnail((512, 512), Image.Resampling.BOX, reducing_gap=None)
    pixels = np.asarray(small.convert("RGB"), dtype=np.int16)
    if pixels.shape[1] < 2:
        return 0.0
    same = np.all(pixels[:, 1:] == pixels[:, :-1], axis=2)
    return float(same.mean())
