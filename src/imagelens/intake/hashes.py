"""Content hash (exact duplicates) and perceptual hash (near duplicates)."""

from __future__ import annotations

import hashlib

import imagehash
from PIL import Image


def content_hash(data: bytes) -> str:
    """sha256 of the bytes as received, hex."""
    return hashlib.sha256(data).hexdigest()


def perceptual_hash(image: Image.Image) -> str:
    """64-bit DCT perceptual hash as 16 hex digits; close images differ in few bits."""
    return str(imagehash.phash(image))


def hamming_distance(a: str, b: str) -> int:
    """Bits that differ between two perceptual hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
