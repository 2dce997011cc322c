"""Content hash (exact duplicates) and perceptual hash (near duplicates)."""

from __future__ import annotations

import hashlib

import imagehash
from PIL import Image


def content_hash(data: bytes) -> str:
    """sha256 of the bytes as received, hex."""
    return hashlib.sha256(data).hexdigest()


# imagehash scales the whole image to 32x32 with Lanczos: 44 ms on an A4 page at 300 dpi,
# 63 ms on 12 MP. A box reduction to >= 128 px first costs 5-7 ms and moved at most 2 of 64
# bits on real photos and pages (near duplicates are matched within a distance, never equal).
_PHASH_FROM = 128


def perceptual_hash(image: Image.Image) -> str:
    """64-bit DCT perceptual hash as 16 hex digits; close images differ in few bits."""
    factor = min(image.size) // _PHASH_FROM
    if factor >= 2:
        # reduce() takes 8-bit L/RGB(A)-like modes only; phash works in greyscale anyway.
        image = (image if image.mode in ("L", "RGB", "RGBA") else image.convert("L")).reduce(factor)
    return str(imagehash.phash(image))


def hamming_distance(a: str, b: str) -> int:
    """Bits that differ between two perceptual hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
