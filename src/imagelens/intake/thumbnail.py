"""Thumbnails: longest side 256 px, WebP."""

from __future__ import annotations

import io

from PIL import Image

THUMBNAIL_SIDE = 256


def make_thumbnail(image: Image.Image, side: int = THUMBNAIL_SIDE, quality: int = 80) -> bytes:
    """Encode a WebP thumbnail of ``image`` whose longest side is at most ``side``."""
    thumb = image.copy()
    thumb.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=quality, method=4)
    return out.getvalue()
