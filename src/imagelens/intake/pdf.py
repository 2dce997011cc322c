"""PDF documents through PDFium (pypdfium2's wheels): checked, pages rendered and text read.

Nothing in a PDF runs: this PDFium build carries no JavaScript engine, forms are never
initialised and attachments never read. PDFium is not thread-safe, so every call into it
holds one process-wide lock. Pages are rendered one at a time, when asked, so a 50-page
document never holds more than one page's pixels; they are rendered in a child process whose
memory is capped (pdfrender.py), and that cap is held in the decode budget meanwhile.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

import pypdfium2 as pdfium
from PIL import Image

from imagelens.config import LimitSettings
from imagelens.errors import ImageTooLarge, InvalidImage
from imagelens.intake.budget import DecodeBudget
from imagelens.intake.pdfrender import PageRenderer, RenderedPage
from imagelens.types import BBox, TextRegion

# About what the OCR models want: 10 pt text is ~21 px tall, an A4 page 1240x1754
# (sent to pdfchild.py with every page it renders).
RENDER_DPI = 150
_PDFIUM = threading.Lock()
_RENDERER = PageRenderer(dpi=RENDER_DPI)  # used under _PDFIUM only
_MAX_PAGE_PIXELS = 4_000_000  # a page's render never exceeds this, whatever its media box


@dataclass(frozen=True)
class PdfPage:
    number: int  # from 1
    image: Image.Image  # RGB, upright (the page's /Rotate applied)
    width_pt: float  # upright size in PDF points (1/72 inch)
    height_pt: float
    # The text layer, one region per line in content order, boxes normalised to the upright
    # page; empty for a scan (its text needs OCR).
    text: tuple[TextRegion, ...]


@dataclass(frozen=True)
class PdfSource:
    """A checked PDF whose pages are rendered on demand."""

    data: bytes
    page_count: int
    max_pixels: int
    first_size: tuple[float, float]  # the first page's size in points, before /Rotate
    # Page 1 once rendered (intake renders it for the thumbnail): the engine reuses it.
    first: PdfPage | None = None
    memory_limit: int = 512 << 20  # what rendering one page may take (the child's cap)
    # Where that memory is counted while a page renders, and how long to wait for room.
    budget: DecodeBudget | None = field(default=None, repr=False, compare=False)
    wait: float | None = None

    def page(self, index: int) -> PdfPage:
        if index == 0 and self.first is not None:
            return self.first
        # The child's cap plus the page's pixels once they are here; reserved once this thread
        # has the lock, since only the lock's holder has a child rendering.
        need = self.memory_limit + 3 * self.max_pixels
        budget = self.budget
        with _PDFIUM, budget.reserve(need, self.wait) if budget is not None else nullcontext():
            rendered = _RENDERER.render(self.data, index, self.max_pixels, self.memory_limit)
        return _page(rendered, index)

    def with_first_page(self) -> PdfSource:
        """This source with page 1 rendered and kept."""
        return dataclasses.replace(self, first=self.page(0))

    def under(self, budget: DecodeBudget | None, wait: float | None) -> PdfSource:
        """This source with its renders counted in ``budget``."""
        return dataclasses.replace(self, budget=budget, wait=wait)


def open_pdf(data: bytes, limits: LimitSettings) -> PdfSource:
    """Check ``data`` (size, password, corruption, page count); nothing is rendered yet."""
    if len(data) > limits.max_document_bytes:
        raise ImageTooLarge(
            f"The PDF is {len(data) / 1e6:.1f} MB, over the document limit of "
            f"{limits.max_document_bytes / 1e6:.0f} MB (IMAGELENS_LIMITS__MAX_DOCUMENT_BYTES).",
            details={"size_bytes": len(data), "max_bytes": limits.max_document_bytes},
        )
    with _document(data) as document:
        count = len(document)
        try:
            first_size = document.get_page_size(0) if count else (0.0, 0.0)
        except pdfium.PdfiumError as exc:  # a page tree that loops back on itself, say
            raise InvalidImage(f"The PDF's first page cannot be read ({exc}).") from exc
    if count == 0:
        raise InvalidImage("The PDF has no pages.")
    if count > limits.max_pages:
        raise ImageTooLarge(
            f"The PDF has {count} pages, over the limit of {limits.max_pages} "
            "(IMAGELENS_LIMITS__MAX_PAGES); split it.",
            details={"pages": count, "max_pages": limits.max_pages},
        )
    max_pixels = min(limits.max_analysis_pixels, _MAX_PAGE_PIXELS)
    size = (float(first_size[0]), float(first_size[1]))
    return PdfSource(data, count, max_pixels, size, memory_limit=limits.document_memory_bytes)


@contextmanager
def _document(data: bytes) -> Iterator[pdfium.PdfDocument]:
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise InvalidImage(
                    "The PDF is password-protected; remove the password and upload it again."
                ) from exc
            raise InvalidImage(f"The PDF is corrupt or truncated ({exc}).") from exc
        try:
            yield document
        finally:
            document.close()


def _page(rendered: RenderedPage, index: int) -> PdfPage:
    """A page as the engine reads it: upright size, text boxes normalised and turned."""
    left, bottom, width, height = rendered.box
    rotation = rendered.rotation
    regions = []
    for x0, y0, x1, y1, raw in rendered.rects:
        text = " ".join(raw.split())
        if not text:
            continue
        top = bottom + height  # PDF space grows upwards; these boxes grow downwards
        nx0, nx1 = _unit((x0 - left) / width), _unit((x1 - left) / width)
        ny0, ny1 = _unit((top - y1) / height), _unit((top - y0) / height)
        bbox = BBox(x=nx0, y=ny0, width=max(0.0, nx1 - nx0), height=max(0.0, ny1 - ny0))
        regions.append(TextRegion(text=text, confidence=1.0, bbox=bbox, block=None))
    upright = (height, width) if rotation in (90, 270) else (width, height)
    text_layer = tuple(_rotate(r, rotation) for r in regions)
    return PdfPage(index + 1, rendered.image, upright[0], upright[1], text_layer)


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))


def _rotate(region: TextRegion, rotation: int) -> TextRegion:
    """A box on the unrotated page moved to where it sits once /Rotate (clockwise) applies."""
    b = region.bbox
    if rotation == 90:
        box = BBox(x=_unit(1 - b.y - b.height), y=b.x, width=b.height, height=b.width)
    elif rotation == 180:
        x, y = _unit(1 - b.x - b.width), _unit(1 - b.y - b.height)
        box = BBox(x=x, y=y, width=b.width, height=b.height)
    elif rotation == 270:
        box = BBox(x=b.y, y=_unit(1 - b.x - b.width), width=b.height, height=b.width)
    else:
        return region
    return region.model_copy(update={"bbox": box})
