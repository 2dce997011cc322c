"""Colors and quality: dominant colors with names, brightness, sharpness."""

from __future__ import annotations

import numpy as np
from PIL import Image

from imagelens.intake import DecodedImage
from imagelens.types import ColorInfo, ColorSummary

# A small named palette; each dominant color takes the nearest name (in RGB, good enough
# for words like "blue" or "beige").
PALETTE: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0),
    "dark-gray": (64, 64, 64),
    "gray": (128, 128, 128),
    "silver": (192, 192, 192),
    "white": (255, 255, 255),
    "red": (200, 30, 30),
    "dark-red": (120, 20, 20),
    "orange": (240, 140, 20),
    "brown": (130, 80, 40),
    "beige": (220, 200, 160),
    "yellow": (240, 220, 40),
    "olive": (128, 128, 0),
    "green": (40, 160, 60),
    "dark-green": (20, 80, 30),
    "teal": (0, 128, 128),
    "cyan": (60, 210, 230),
    "light-blue": (150, 200, 240),
    "blue": (40, 80, 200),
    "navy": (20, 30, 90),
    "purple": (120, 50, 160),
    "pink": (240, 150, 180),
    "magenta": (210, 40, 160),
}
_NAMES = list(PALETTE)
_RGB = np.array(list(PALETTE.values()), dtype=np.float32)
_SHARPNESS_SIDE = 512
# Variance of the Laplacian below this on a 512 px copy reads as blurred.
BLUR_THRESHOLD = 100.0


def color_name(rgb: tuple[int, int, int]) -> str:
    """The palette name nearest to ``rgb``."""
    d = ((_RGB - np.array(rgb, dtype=np.float32)) ** 2).sum(axis=1)
    return _NAMES[int(np.argmin(d))]


class ColorAnalyzer:
    """The ``colors`` analyzer (pure numpy and Pillow, nothing to load)."""

    name = "colors"
    version = "palette-v1"

    def __init__(self, max_colors: int = 5) -> None:
        self._max_colors = max_colors

    def load(self) -> None:
        return None

    def run(self, image: DecodedImage) -> ColorSummary:
        small = image.image.copy()
        small.thumbnail((128, 128), Image.Resampling.BILINEAR)
        luma = float(np.asarray(small.convert("L"), dtype=np.float32).mean()) / 255
        sharp = sharpness(image.image)
        return ColorSummary(
            dominant=self.dominant(small),
            brightness=round(luma, 4),
            sharpness=round(sharp, 2),
            is_blurry=sharp < BLUR_THRESHOLD,
        )

    def dominant(self, small: Image.Image) -> list[ColorInfo]:
        """Median-cut the image to a few colors; merge the ones that share a name."""
        quantized = small.quantize(colors=8, method=Image.Quantize.MEDIANCUT)
        palette = quantized.getpalette() or []
        counts = np.bincount(np.asarray(quantized).ravel())
        total = int(counts.sum()) or 1
        merged: dict[str, tuple[float, tuple[int, int, int]]] = {}
        for idx in np.argsort(counts)[::-1]:
            if counts[idx] == 0:
                break
            rgb = (palette[3 * idx], palette[3 * idx + 1], palette[3 * idx + 2])
            name = color_name(rgb)
            share, first = merged.get(name, (0.0, rgb))
            merged[name] = (share + int(counts[idx]) / total, first)
        ranked = sorted(merged.items(), key=lambda kv: -kv[1][0])[: self._max_colors]
        return [
            ColorInfo(hex="#{:02x}{:02x}{:02x}".format(*rgb), name=name, fraction=round(share, 4))
            for name, (share, rgb) in ranked
        ]


def sharpness(image: Image.Image) -> float:
    """Variance of the 4-neighbour Laplacian of a grey copy whose longest side is 512 px."""
    grey = image.convert("L")
    grey.thumbnail((_SHARPNESS_SIDE, _SHARPNESS_SIDE), Image.Resampling.BILINEAR)
    a = np.asarray(grey, dtype=np.float32)
    if a.shape[0] < 3 or a.shape[1] < 3:
        return 0.0
    lap = a[1:-1, :-2] + a[1:-1, 2:] + a[:-2, 1:-1] + a[2:, 1:-1] - 4 * a[1:-1, 1:-1]
    return float(lap.var())
