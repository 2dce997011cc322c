"""Pictures without much text: a product shot on a plain backdrop, or artwork.

Hand-written measures over a small copy of the image (no package offers them):
- a product shot stands on a seamless light backdrop: the frame's border is one even colour
  and the object in the middle is not, and the object is photographed (sensor grain and
  shading, so few neighbouring pixels are exactly equal), not drawn;
- a digital illustration is flat-shaded (most neighbouring pixels exactly equal, as in a
  rendered page) yet colourful (several hues, where pages and UIs have one or two);
- a photographed painting or poster looks like a photo to these measures; ImageNet's tagger
  files those under a few classes of printed art (jigsaw puzzle, comic book).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from imagelens.engine.base import Signals
from imagelens.intake import DecodedImage

_SIDE = 256
_NEAR = 24  # channel difference still counted as the backdrop's colour
# Tagger classes a photographed painting or poster lands in; the first two are taken as
# artwork, and none of them names what a product shot or artwork shows.
ART_LABELS = frozenset({"jigsaw-puzzle", "comic-book"})
PRINTED_ART = ART_LABELS | {"dust-jacket"}


def product_shot(image: DecodedImage) -> bool:
    """An object photographed on a plain, light backdrop (a studio or packshot photo)."""
    pixels = image.thumbnail(_SIDE)
    h, w, _ = pixels.shape
    m = max(2, min(h, w) // 25)
    if min(h, w) < 4 * m:
        return False
    ring = np.concatenate(
        [p.reshape(-1, 3) for p in (pixels[:m], pixels[-m:], pixels[:, :m], pixels[:, -m:])]
    )
    backdrop = np.median(ring, axis=0)
    if backdrop.min() < 190 or (np.abs(ring - backdrop).max(axis=1) <= _NEAR).mean() < 0.9:
        return False
    off = np.abs(pixels - backdrop).max(axis=2) > _NEAR  # the object, not the backdrop
    centre = off[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    if centre.mean() < 0.4 or off.mean() > 0.85:
        return False
    both = off[:, 1:] & off[:, :-1]
    equal = np.all(pixels[:, 1:] == pixels[:, :-1], axis=2) & both
    return bool(equal.sum() < 0.35 * max(1, both.sum()))  # photographed, not flat-filled


def hue_count(image: DecodedImage) -> int:
    """How many of 12 hue sectors hold at least 3% of the image in saturated colour."""
    hsv = np.asarray(Image.fromarray(image.thumbnail(128).astype(np.uint8)).convert("HSV"))
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    vivid = (sat >= 90) & (val >= 50)
    counts = np.bincount((hue[vivid].astype(np.int32) * 12) // 256, minlength=12)
    return int((counts >= 0.03 * hue.size).sum())


def artwork(signals: Signals, image: DecodedImage) -> bool:
    """Flat-shaded and colourful (an illustration), or tagged as printed art."""
    if image.rendered and hue_count(image) >= 3:
        return True
    labels = signals.tags.labels if signals.tags else []
    return bool(labels) and labels[0].name in ART_LABELS and labels[0].confidence >= 0.25
