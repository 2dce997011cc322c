"""Refusing at intake what cannot finish within a job's time budget.

A job analyses for at most ``IMAGELENS_JOBS__MAX_SECONDS`` (jobs.runner); a document or a video
whose pages or key frames cannot fit in it even at their cheapest is refused before it is
stored, instead of failing with ``analysis_timeout`` after using the CPU for nothing. The
estimate is a floor, so that any file refused surely could not finish and normal files pass:
the least a page or a frame was measured to cost on a 2-core box, idle (benchmarks of issue
24; a dense scanned page costs ~3.5 s, ten times the floor).
"""

from __future__ import annotations

from imagelens.errors import ImageTooLarge
from imagelens.intake import DecodedImage

# Seconds at least, measured on 2 idle cores: a blank scanned A4 page (render, OCR detection,
# moderation) 0.45 s; a page with a text layer (render, moderation) 0.04 s; a video key frame
# runs tags, OCR and moderation on a smaller picture.
SCANNED_PAGE_SECONDS = 0.3
TEXT_PAGE_SECONDS = 0.03
KEY_FRAME_SECONDS = 0.1


def least_seconds(image: DecodedImage) -> tuple[float, str]:
    """The least analysis time ``image`` needs, and what it counted (for the message)."""
    if image.document is not None:
        pages = image.document.page_count
        first = image.document.first
        # Page 1 tells scans from born-digital files; a document mixing both is charged as
        # its first page, which under-counts (the floor stays a floor).
        if first is not None and first.text:
            return pages * TEXT_PAGE_SECONDS, f"{pages} pages"
        return pages * SCANNED_PAGE_SECONDS, f"{pages} scanned pages"
    if image.video is not None:
        frames = len(image.video.frames)
        return frames * KEY_FRAME_SECONDS, f"{frames} key frames"
    return 0.0, "one image"


def check_time_budget(image: DecodedImage | None, max_seconds: float) -> None:
    """Raise ImageTooLarge (413) when ``image`` cannot be analysed within ``max_seconds``;
    None (only the header was read) passes: the job's own deadline still holds."""
    if image is None:
        return
    seconds, counted = least_seconds(image)
    if seconds > max_seconds:
        raise ImageTooLarge(
            f"The file has {counted}: at least {seconds:.0f} s of analysis, over the time "
            f"budget of {max_seconds:g} s per job (IMAGELENS_JOBS__MAX_SECONDS); split it.",
            details={"estimated_seconds": round(seconds, 1), "max_seconds": max_seconds},
        )
