"""What intake hands on: a decoded, upright image (with a PDF's pages or a video's key
frames behind it), or what a header alone says."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from PIL import Image

from imagelens.intake.pdf import PdfSource
from imagelens.intake.sniff import ImageFormat
from imagelens.intake.video import VideoSource
from imagelens.types import ExifSummary, ImageMetadata

# Flatness from which an image is rendered: rendered UI and pages measure ~0.6-0.95, photos
# and scans under ~0.3.
RENDERED_FLATNESS = 0.6
# The longest side of :attr:`DecodedImage.preview`.
PREVIEW_SIDE = 512


@dataclass(frozen=True)
class DecodedImage:
    """An upright RGB image with what intake learned about the original bytes."""

    image: Image.Image
    format: ImageFormat
    metadata: ImageMetadata
    exif: ExifSummary | None
    content_hash: str
    perceptual_hash: str
    frames: int
    # A PDF's pages, rendered on demand (``image`` is its first page); None otherwise.
    document: PdfSource | None = None
    # A video's key frames (``image`` is the one from the middle of the clip); None otherwise.
    video: VideoSource | None = None

    @cached_property
    def bgr(self) -> np.ndarray:
        """The pixels as a contiguous BGR array, made once and shared by the ONNX analyzers."""
        return np.ascontiguousarray(np.asarray(self.image)[:, :, ::-1])

    @property
    def rendered(self) -> bool:
        """Drawn by software (a page, a screenshot, an illustration) rather than photographed
        or scanned: judged from :attr:`flatness`."""
        return self.flatness >= RENDERED_FLATNESS

    @cached_property
    def preview(self) -> Image.Image:
        """The image box-filtered to at most ``PREVIEW_SIDE`` px (RGB), made once: what the
        kind of image is judged on. Each judge scaling the original itself cost ~20 ms on an
        A4 page at 300 dpi or a 12 MP photo, four times over."""
        small = self.image.convert("RGB") if self.image.mode != "RGB" else self.image.copy()
        small.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.BOX, reducing_gap=None)
        return small

    def thumbnail(self, side: int) -> np.ndarray:
        """:attr:`preview` box-filtered further to at most ``side`` px, as int16 RGB."""
        small = self.preview
        if max(small.size) > side:
            small = small.copy()
            small.thumbnail((side, side), Image.Resampling.BOX, reducing_gap=None)
        return np.asarray(small, dtype=np.int16)

    @cached_property
    def flatness(self) -> float:
        """Share of neighbouring pixels (at <= 512 px, box-filtered) of exactly equal colour:
        ~0.6-0.95 for rendered UI and pages, under ~0.3 for photos and scans. Made once: the
        kind of image and the face detector's effort both depend on it."""
        pixels = self.thumbnail(PREVIEW_SIDE)
        if pixels.shape[1] < 2:
            return 0.0
        same = np.all(pixels[:, 1:] == pixels[:, :-1], axis=2)
        return float(same.mean())


@dataclass(frozen=True)
class ProbedImage:
    """What the header says, checked against the limits; no pixel decoded."""

    format: ImageFormat
    width: int  # as stored, before EXIF orientation
    height: int
    size_bytes: int
    content_hash: str
