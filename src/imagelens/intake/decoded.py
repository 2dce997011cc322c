"""What intake hands on: a decoded, upright image (with a PDF's pages or a video's key
frames behind it), or what a header alone says."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

import cv2
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

T = TypeVar("T")


class once(Generic[T]):
    """``functools.cached_property`` without its lock: on Python 3.11 that lock is one per
    property for *all* instances, so concurrent jobs made each other's previews one at a
    time (3.12 dropped it). Two threads asking at once may both compute the value; both get
    an equal one, and the last stored stays."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> once[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | once[T]:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value  # shadows this descriptor from now on
        return value


def _fit(width: int, height: int, side: int) -> tuple[int, int]:
    """The size ``Image.thumbnail((side, side))`` shrinks ``width`` x ``height`` to (its
    rounding, which keeps the aspect ratio closest), without copying the image first."""
    aspect = width / height
    if aspect <= 1:
        return max(_round_to(side * aspect, lambda n: abs(aspect - n / side)), 1), side
    return side, max(_round_to(side / aspect, lambda n: abs(aspect - side / n) if n else 0), 1)


def _round_to(number: float, key: Callable[[int], float]) -> int:
    return min(math.floor(number), math.ceil(number), key=key)


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

    @once
    def bgr(self) -> np.ndarray:
        """The pixels as a contiguous BGR array, made once and shared by the ONNX analyzers
        (OpenCV swaps the channels in 1/3-1/4 the time of numpy's reversed copy: 35 -> 11 ms
        on a 300 dpi scan)."""
        bgr: np.ndarray = cv2.cvtColor(np.asarray(self.image), cv2.COLOR_RGB2BGR)
        return bgr

    @property
    def rendered(self) -> bool:
        """Drawn by software (a page, a screenshot, an illustration) rather than photographed
        or scanned: judged from :attr:`flatness`."""
        return self.flatness >= RENDERED_FLATNESS

    @once
    def preview(self) -> Image.Image:
        """The image box-filtered to at most ``PREVIEW_SIDE`` px (RGB), made once and shared
        (read it, never change it): what the kind of image is judged on. Each judge scaling
        the original itself cost ~20 ms on an A4 page at 300 dpi or a 12 MP photo, four
        times over."""
        image = self.image if self.image.mode == "RGB" else self.image.convert("RGB")
        width, height = image.size
        if max(width, height) <= PREVIEW_SIDE:
            return image
        return image.resize(_fit(width, height, PREVIEW_SIDE), Image.Resampling.BOX)

    def thumbnail(self, side: int) -> np.ndarray:
        """:attr:`preview` box-filtered further to at most ``side`` px (``side`` <=
        ``PREVIEW_SIDE``), as int16 RGB."""
        small = self.preview
        if max(small.size) > side:
            small = small.resize(_fit(*small.size, side), Image.Resampling.BOX)
        return np.asarray(small, dtype=np.int16)

    @once
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
