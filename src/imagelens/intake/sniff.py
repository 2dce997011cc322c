"""Detect a file's type (an image, a PDF or a video) from its first bytes, never from its
name or a header."""

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
    MP4 = "MP4"
    MOV = "MOV"
    WEBM = "WEBM"
    MKV = "MKV"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]

    @property
    def media_type(self) -> str:
        """The reference APIs' media_type: ``image``, ``document`` (PDF) or ``video``."""
        if self is ImageFormat.PDF:
            return "document"
        return "video" if self in _VIDEOS else "image"


_CONTENT_TYPES = {
    ImageFormat.JPEG: "image/jpeg",
    ImageFormat.PNG: "image/png",
    ImageFormat.WEBP: "image/webp",
    ImageFormat.GIF: "image/gif",
    ImageFormat.HEIF: "image/heif",
    ImageFormat.TIFF: "image/tiff",
    ImageFormat.BMP: "image/bmp",
    ImageFormat.PDF: "application/pdf",
    ImageFormat.MP4: "video/mp4",
    ImageFormat.MOV: "video/quicktime",
    ImageFormat.WEBM: "video/webm",
    ImageFormat.MKV: "video/x-matroska",
}
_VIDEOS = frozenset({ImageFormat.MP4, ImageFormat.MOV, ImageFormat.WEBM, ImageFormat.MKV})
# ISO-BMFF brands of video files (MP4, QuickTime, 3GP, DASH segments).
_VIDEO_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"M4VH",
    b"dash",
    b"3gp4",
    b"3gp5",
    b"3gp6",
    b"3g2a",
    b"MSNV",
    b"f4v ",
    b"mmp4",
    b"qt  ",
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
    if head[4:8] == b"ftyp" and head[8:12] in _VIDEO_BRANDS:
        return ImageFormat.MOV if head[8:12] == b"qt  " else ImageFormat.MP4
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free") and b"ftyp" not in head:
        return ImageFormat.MOV  # old QuickTime files start with a moov or mdat atom
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska, of which WebM is a profile
        return ImageFormat.WEBM if b"webm" in data[:64] else ImageFormat.MKV
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
