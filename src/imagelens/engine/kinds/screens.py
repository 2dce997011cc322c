"""Screen captures vs pages: the evidence a UI capture carries that paper does not.

- a status bar: a clock ("9:41", "14:57") or a battery "87%" in a thin strip at the top (phones,
  macOS menu bar) or the bottom (the Windows task bar); or, anywhere in the image, a clock on
  one line with a network or battery token ("9:41 ... LTE"), or a clock alone on its line above
  most of the text: the phone drawn in a store-listing image, below a marketing headline;
- window chrome: a title bar, toolbar or sidebar, each an even band of its own colour along an
  edge (a light desktop window is mostly white and full of text, like a page, but a page has
  no such bands);
- the exact pixel size of a common screen (1080x2400, 1170x2532, 1920x1080, ...);
- flat colour: rendered UI has large areas of one exact colour, photos and scans of paper
  have sensor or paper grain everywhere;
- a screen's shape (16:9-ish landscape, 2:1-ish portrait) rather than a page's (A4, letter).

Written here: these are heuristics over our own signals, not a solved problem a library has.
"""

from __future__ import annotations

import re

import numpy as np

from imagelens.intake import DecodedImage
from imagelens.types import TextRegion

_CLOCK = re.compile(r"^\d{1,2}[:.]\d{2}(?:\s?[AaPp][Mm])?$")
_BATTERY = re.compile(r"^\d{1,3}\s?%$")
# A carrier's network or a battery level, read with up to two characters of an icon beside it
# ("LTEΔ": the battery drawn after the text).
_NETWORK = re.compile(r"^(?:LTE|VoLTE|5G|5GE|4G|3G|H\+|Wi-?Fi|\d{1,3}\s?%)\W?.{0,2}$", re.I)
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
    """A clock or battery level alone in the top 6% or the bottom 5% of the image, or a
    status bar drawn further in (see :func:`status_bar_regions`)."""
    for region in regions:
        top, bottom = region.bbox.y, region.bbox.y + region.bbox.height
        if top <= 0.06 or bottom >= 0.95:
            text = region.text.strip()
            if _CLOCK.match(text) or _BATTERY.match(text):
                return True
    return bool(status_bar_regions(regions))


def status_bar_regions(regions: list[TextRegion]) -> list[TextRegion]:
    """The regions of a phone's status bar wherever it is drawn: the line of a lone clock
    ("9:41") that also holds a network or battery token ("LTE", "87%"), or whose clock stands
    alone above at least 60% of the text (a screen starts with its status bar; a receipt's or
    a letter's time shares its line with a date or words)."""
    for clock in regions:
        if not _CLOCK.match(clock.text.strip()):
            continue
        line = [r for r in regions if _same_line(r, clock)]
        others = [r for r in line if r is not clock]
        if any(_NETWORK.match(r.text.strip()) for r in others):
            return line
        below = sum(r.bbox.y > clock.bbox.y + clock.bbox.height for r in regions)
        if not others and below >= 0.6 * (len(regions) - 1) and len(regions) >= 4:
            return line
    return []


def status_token(text: str) -> bool:
    """Whether ``text`` is only a clock, a battery level or a network name."""
    text = text.strip()
    return bool(_CLOCK.match(text) or _NETWORK.match(text))


def _same_line(a: TextRegion, b: TextRegion) -> bool:
    centre_a = a.bbox.y + a.bbox.height / 2
    centre_b = b.bbox.y + b.bbox.height / 2
    return abs(centre_a - centre_b) <= 0.6 * max(a.bbox.height, b.bbox.height)


def screen_sized(width: int, height: int) -> bool:
    return (width, height) in _SCREENS or (height, width) in _SCREENS


def screen_shaped(width: int, height: int) -> bool:
    ratio = width / height
    return 1.3 <= ratio <= 2.4 or 1.75 <= 1 / ratio <= 2.4


_EVEN = 6  # channel difference still counted as a band's own colour
_BAND_ROWS = 0.7  # share of a band's row (or column) in its colour; the rest is text, icons
_STEP = 4  # how far the colour must jump where the band ends


def chrome_bands(image: DecodedImage) -> int:
    """How many edges (top, bottom, left, right) carry a band of window chrome: rows or
    columns of one even colour, 2-15% (top, bottom) or 8-35% (sides) of the image deep, that
    end in a step to another even colour. A page's margin runs on into its text in the same
    paper colour, a scan's shading fades without a step, a scan's near-black border is none."""
    pixels = image.thumbnail(400)
    if min(pixels.shape[:2]) < 50:
        return 0
    across = pixels.transpose(1, 0, 2)
    edges = ((pixels, 0.02, 0.15), (pixels[::-1], 0.02, 0.15),
             (across, 0.08, 0.35), (across[::-1], 0.08, 0.35))  # fmt: skip
    return sum(_band(rows, least, most) for rows, least, most in edges)


def _band(rows: np.ndarray, least: float, most: float) -> bool:
    """Whether ``rows`` (outermost first) start with a band of one even colour (rows of
    text or icons may cross it) that ends where an even row of another colour begins."""
    depth = len(rows)
    rows = rows[: int(most * depth) + 1]  # the band never runs deeper: skip the rest
    colour = np.median(rows, axis=1)  # each row's own colour
    even = (np.abs(rows - colour[:, None, :]).max(axis=2) <= _EVEN).mean(axis=1) >= _BAND_ROWS
    start = next((i for i in range(3) if even[i]), None)  # past the window's outline
    if start is None or colour[start].max() <= 40:
        return False
    band, inside = colour[start], 0
    for row in range(start, len(rows)):
        if not even[row]:
            continue
        if np.abs(colour[row] - band).max() >= _STEP:  # a toolbar, a list, a separator line
            return row >= least * depth and inside >= 0.6 * (row - start)
        band, inside = colour[row], inside + 1  # following a gradient's slow drift
    return False
