"""Detect a file's type (an image or a PDF) from its first bytes, never from its name or a
header."""

from __future__ import annotations

from enum import StrEnum

from imagelens.errors import InvalidImage, UnsupportedMediaType


class ImageFormat(StrEnum):
    JPEG = "JPEG"
    PNG = "PNG"
    WEBP = "WEBP"
    GIF = "GIF"
    HEIF = "HEIF"
    TIFF = "TIFF"
    BMP = "BMP"
    PDF = "PDF"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]

    @property
    def media_type(self) -> str:
        """The reference APIs' media_type: ``document`` for a PDF, ``image`` otherwise."""
        return "document" if self is ImageFormat.PDF else "image"


_CONTENT_TYPES = {
    ImageFormat.JPEG: "image/jpeg",
    ImageFormat.PNG: "image/png",
    ImageFormat.WEBP: "image/webp",
    ImageFormat.GIF: "image/gif",
    ImageFormat.HEIF: "image/heif",
    ImageFormat.TIFF: "image/tiff",
    ImageFormat.BMP: "image/bmp",
    ImageFormat.PDF: "application/pdf",
}

# ISO-BMFF major/compatible brands that mean an HEIF still image (HEIC is HEIF with HEVC).
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}

SUPPORTED = ", ".join(f.value for f in ImageFormat)


def sniff_format(data: bytes) -> ImageFormat:
    """Return the format the magic bytes announce; raise for empty or unknown input."""
    if not data:
        raise InvalidImage("The file is empty (0 bytes).")
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return ImageFormat.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageFormat.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ImageFormat.WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ImageFormat.GIF
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return ImageFormat.TIFF
    if head[:2] == b"BM" and len(head) >= 14:
        return ImageFormat.BMP
    if head[4:8] == b"ftyp" and _is_heif(data):
        return ImageFormat.HEIF
    if b"%PDF-" in data[:1024]:  # readers accept a header anywhere in the first 1 KB
        return ImageFormat.PDF
    raise UnsupportedMediaType(
        f"Unsupported or unrecognised file type; supported types are {SUPPORTED}.",
        details={"magic": head[:12].hex()},
    )


def _is_heif(data: bytes) -> bool:
    box_size = int.from_bytes(data[0:4], "big")
    box = data[8 : min(max(box_size, 16), 256)]
    brands = {box[i : i + 4] for i in range(0, len(box) - 3, 4)}
    return bool(brands & _HEIF_BRANDS)
