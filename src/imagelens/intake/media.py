"""PDFs and videos as decoded images: the first page, or the middle key frame, stands for
the file; the rest stays behind ``document`` / ``video`` for the engine."""

from __future__ import annotations

from contextlib import nullcontext

from imagelens.config import LimitSettings
from imagelens.intake.body import Body
from imagelens.intake.budget import DecodeBudget
from imagelens.intake.decoded import DecodedImage
from imagelens.intake.hashes import content_hash, perceptual_hash
from imagelens.intake.pdf import open_pdf
from imagelens.intake.sniff import ImageFormat
from imagelens.intake.video import MAX_KEY_FRAMES, decode_video
from imagelens.types import ImageMetadata


def decode_document(
    data: bytes, limits: LimitSettings, budget: DecodeBudget | None, wait: float | None
) -> DecodedImage:
    """A checked PDF with its first page rendered (the thumbnail, tags, colours); the other
    pages are rendered when the engine reads them."""
    # Each page's render holds its memory cap in the budget (PdfSource.page), the engine's too.
    source = open_pdf(data, limits).under(budget, wait).with_first_page()
    first = source.page(0)
    metadata = ImageMetadata(
        width=round(first.width_pt),
        height=round(first.height_pt),
        format=ImageFormat.PDF.value,
        size_bytes=len(data),
        content_type=ImageFormat.PDF.content_type,
        media_type=ImageFormat.PDF.media_type,
        pages=source.page_count,
    )
    return DecodedImage(
        image=first.image,
        format=ImageFormat.PDF,
        metadata=metadata,
        exif=None,
        content_hash=content_hash(data),
        perceptual_hash=perceptual_hash(first.image),
        frames=source.page_count,
        document=source,
    )


def decode_clip(
    data: Body,
    fmt: ImageFormat,
    limits: LimitSettings,
    budget: DecodeBudget | None,
    wait: float | None,
) -> DecodedImage:
    """A checked video with its key frames decoded; ``image`` is the middle one."""
    # Key frames are kept at 1 MP (a few more while choosing), plus FFmpeg's frame pool.
    peak = 3 * MAX_KEY_FRAMES * 3 * 1_000_000
    with budget.reserve(peak, wait) if budget is not None else nullcontext():
        source = decode_video(data, limits)
    info = source.info
    shown = source.frames[len(source.frames) // 2].image
    metadata = ImageMetadata(
        width=info.width,
        height=info.height,
        format=fmt.value,
        size_bytes=data.size,
        content_type=fmt.content_type,
        media_type=fmt.media_type,
        duration_s=round(info.duration_s, 3) if info.duration_s is not None else None,
        fps=round(info.fps, 3) if info.fps else None,
        codec=info.codec,
        rotation=info.rotation,
    )
    return DecodedImage(
        image=shown,
        format=fmt,
        metadata=metadata,
        exif=None,
        content_hash=data.sha256,
        perceptual_hash=perceptual_hash(shown),
        frames=len(source.frames),
        video=source,
    )
