"""Decode untrusted bytes within limits: type from magic bytes, bombs refused before decoding."""

from __future__ import annotations

import math
import re
import threading
from contextlib import nullcontext
from functools import cache
from typing import BinaryIO

from PIL import Image, ImageOps

from imagelens.config import LimitSettings
from imagelens.errors import DecompressionBomb, ImageTooLarge, InvalidImage
from imagelens.intake.body import Body, as_body
from imagelens.intake.budget import DecodeBudget
from imagelens.intake.decoded import DecodedImage, ProbedImage
from imagelens.intake.exif import summarize_exif
from imagelens.intake.hashes import perceptual_hash
from imagelens.intake.media import decode_clip, decode_document
from imagelens.intake.pdf import open_pdf
from imagelens.intake.sniff import ImageFormat, sniff_format
from imagelens.intake.video import probe_video
from imagelens.types import ImageMetadata


@cache
def _register_heif() -> None:
    # pillow-heif registers a Pillow plugin; do it once, when the first image arrives.
    from pillow_heif import register_heif_opener

    register_heif_opener()


def probe_image(data: bytes | Body, limits: LimitSettings | None = None) -> ProbedImage:
    """Refuse what the type and header alone show is bad (a fraction of a millisecond).

    A file that passes can still be corrupt further in; :func:`decode_image` finds that.
    """
    limits = limits or LimitSettings()
    body = as_body(data)
    fmt = _check_size_and_sniff(body, limits)
    if fmt is ImageFormat.PDF:
        width_pt, height_pt = open_pdf(body.read(), limits).first_size
        return ProbedImage(fmt, round(width_pt), round(height_pt), body.size, body.sha256)
    if fmt.media_type == "video":
        info = probe_video(body, limits)
        return ProbedImage(fmt, info.width, info.height, body.size, body.sha256)
    with body.open() as stream:
        image = _open_header(stream, fmt, limits)
        width, height = image.size
        image.close()
    return ProbedImage(fmt, width, height, body.size, body.sha256)


def _check_size_and_sniff(body: Body, limits: LimitSettings) -> ImageFormat:
    """The type from the first bytes, and an image's size limit (PDFs and videos have their
    own, checked where they are opened)."""
    fmt = sniff_format(body.head)
    if fmt.media_type == "image" and body.size > limits.max_bytes:
        raise ImageTooLarge(
            f"The file is {_mb(body.size)}, over the limit of {_mb(limits.max_bytes)}.",
            details={"size_bytes": body.size, "max_bytes": limits.max_bytes},
        )
    if fmt is ImageFormat.HEIF:
        _register_heif()
    return fmt


def decode_image(
    data: bytes | Body,
    limits: LimitSettings | None = None,
    budget: DecodeBudget | None = None,
    wait: float | None = None,
) -> DecodedImage:
    """Check, decode and normalise ``data``; raise an :class:`ImageLensError` on bad input.

    The pixels kept are at most ``limits.max_analysis_pixels`` (what the analyzers use):
    JPEGs are decoded at a reduced scale directly (draft mode), other formats are reduced
    right after decoding. ``metadata`` keeps the original size. With a ``budget``, the
    decode's peak memory is reserved from it first (it may wait up to ``wait`` seconds, the
    budget's own by default, then raise ServerBusy).
    """
    limits = limits or LimitSettings()
    body = as_body(data)
    fmt = _check_size_and_sniff(body, limits)
    if fmt is ImageFormat.PDF:
        return decode_document(body.read(), limits, budget, wait)
    if fmt.media_type == "video":
        return decode_clip(body, fmt, limits, budget, wait)
    with body.open() as stream:  # Pillow reads the file as it decodes, never all of it at once
        return _decode_picture(body, stream, fmt, limits, budget, wait)


def _decode_picture(
    body: Body,
    stream: BinaryIO,
    fmt: ImageFormat,
    limits: LimitSettings,
    budget: DecodeBudget | None,
    wait: float | None,
) -> DecodedImage:
    image = _open_header(stream, fmt, limits)
    original = image.size
    target = _fit(original, limits.max_analysis_pixels)
    if target != original and fmt is ImageFormat.JPEG:
        image.draft(image.mode, target)  # the JPEG decoder scales by 1/2, 1/4 or 1/8 for free
    # The decoded original, plus the reduced copy, the upright copy and the decoder's buffers.
    peak = _pixel_bytes(image.size, image.mode) + 3 * _pixel_bytes(target, "RGB")
    with budget.reserve(peak, wait) if budget is not None else nullcontext():
        image = _load(image, fmt, limits)
        try:
            frames = getattr(image, "n_frames", 1)
            image.seek(0)  # first frame of an animation
            exif = summarize_exif(image)
            if image.size != target:
                image = image.resize(target, Image.Resampling.BILINEAR, reducing_gap=2.0)
            size = image.size
            # In place: not turned, the image is not copied (exif_transpose otherwise copies
            # every image, 1-6 ms a page or photo).
            ImageOps.exif_transpose(image, in_place=True)
            turned = image.size != size  # EXIF said: rotate by 90 or 270 degrees
            rgb = _to_rgb(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb(exc, limits) from exc  # a later GIF frame that grows the canvas
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise InvalidImage(
                f"The {fmt.value} file is corrupt or truncated: {_reason(exc)}"
            ) from exc
        del image
    width, height = (original[1], original[0]) if turned else original
    metadata = ImageMetadata(
        width=width,
        height=height,
        format=fmt.value,
        size_bytes=body.size,
        content_type=fmt.content_type,
    )
    return DecodedImage(
        image=rgb,
        format=fmt,
        metadata=metadata,
        exif=exif,
        content_hash=body.sha256,
        perceptual_hash=perceptual_hash(rgb),
        frames=frames,
    )


class Decoder:
    """:func:`decode_image` and :func:`probe_image` under one set of limits and one budget.

    ``wait`` overrides the budget's wait: a queued job can wait its turn far longer than a
    client holding a connection open.
    """

    def __init__(
        self, limits: LimitSettings, budget: DecodeBudget | None = None, wait: float | None = None
    ) -> None:
        self.limits = limits
        self.budget = budget
        self.wait = wait

    def decode(self, data: bytes | Body) -> DecodedImage:
        return decode_image(data, self.limits, self.budget, self.wait)

    def probe(self, data: bytes | Body) -> ProbedImage:
        return probe_image(data, self.limits)


def _fit(size: tuple[int, int], max_pixels: int) -> tuple[int, int]:
    """``size`` scaled down (aspect kept) to at most ``max_pixels``."""
    width, height = size
    if width * height <= max_pixels:
        return size
    scale = math.sqrt(max_pixels / (width * height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def _pixel_bytes(size: tuple[int, int], mode: str) -> int:
    """What Pillow holds for an image of ``size`` in ``mode`` (it pads 3-band modes to 4)."""
    per_pixel = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2}.get(mode, 4)
    return size[0] * size[1] * per_pixel


# A BytesIO's repr, or a spooled upload's (which would tell the client our temp path).
_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>|<_io\.\w+ name=[^>]*>")


def _reason(exc: BaseException) -> str:
    """The library's message without object reprs (``<_io.BytesIO object at 0x...>``)."""
    text = _REPR.sub("the file", str(exc)).strip()
    return text or type(exc).__name__


def _open_header(stream: BinaryIO, fmt: ImageFormat, limits: LimitSettings) -> Image.Image:
    # Image.open reads only the header, so the declared size is known before any pixel is
    # decoded; our own limit is checked on it below.
    _pillow_guard_at_least(limits.max_pixels)
    try:
        image = Image.open(stream, formats=[_pil_format(fmt)])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(exc, limits) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidImage(
            f"The file looks like {fmt.value} but cannot be read: {_reason(exc)}"
        ) from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        raise InvalidImage(f"The {fmt.value} file declares an empty image ({width}x{height}).")
    if width * height > limits.max_pixels:
        raise DecompressionBomb(
            f"The image declares {width}x{height} = {width * height / 1e6:.1f} megapixels, over "
            f"the limit of {limits.max_pixels / 1e6:.0f} megapixels; refused before decoding.",
            details={"width": width, "height": height, "max_pixels": limits.max_pixels},
        )
    return image


def _load(image: Image.Image, fmt: ImageFormat, limits: LimitSettings) -> Image.Image:
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(exc, limits) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidImage(f"The {fmt.value} file is corrupt or truncated: {_reason(exc)}") from exc
    return image


_GUARD_LOCK = threading.Lock()


def _pillow_guard_at_least(max_pixels: int) -> None:
    """Raise Pillow's process-wide pixel guard to our limit, never lower it.

    Pillow warns past ``MAX_IMAGE_PIXELS`` (89 MP) and refuses past twice that, also inside
    loads (a GIF frame that grows the canvas, TIFF and ICO sizes). Raised to our limit, it
    warns only on images we refuse anyway and keeps refusing at twice our limit. It used to be
    silenced per call with ``warnings.catch_warnings``, which is not thread-safe: leaving it
    put back the filters of another moment, undoing another thread's (FastAPI silences a
    pydantic warning that way while it builds a route; the warning then failed a request).
    """
    with _GUARD_LOCK:
        current = Image.MAX_IMAGE_PIXELS
        if current is not None and current < max_pixels:
            Image.MAX_IMAGE_PIXELS = max_pixels


def _bomb(
    exc: Image.DecompressionBombError | Image.DecompressionBombWarning, limits: LimitSettings
) -> DecompressionBomb:
    # Pillow's own guard fired first (its warning, where warnings are errors, counts too);
    # quote our limit, not its number.
    match = re.search(r"\((\d+) pixels\)", str(exc))
    declared = f" declares {int(match.group(1)) / 1e6:.1f} megapixels," if match else ""
    return DecompressionBomb(
        f"The image{declared} over the limit of {limits.max_pixels / 1e6:.0f} megapixels; "
        "refused before decoding.",
        details={"max_pixels": limits.max_pixels},
    )


def _pil_format(fmt: ImageFormat) -> str:
    return "HEIF" if fmt is ImageFormat.HEIF else fmt.value


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Transparent pixels read as white, like a page or a browser would show them.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode.startswith("I;16") or image.mode == "I":
        return image.point(lambda v: v / 256).convert("L").convert("RGB")
    return image.convert("RGB")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"
