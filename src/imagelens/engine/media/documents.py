"""Reading a PDF page by page: its own text layer where it has one, OCR where it does not
(a scan), moderation, faces and barcodes on every page; one OCR signal for the whole document.

The pipeline runs the other analyzers (tags, colours) on the first page only: they describe
how the document looks, and its first page is what a person sees first.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from imagelens.engine.base import (
    Analyzer,
    BarcodeOutput,
    Deadline,
    FaceOutput,
    OcrOutput,
    check_deadline,
)
from imagelens.engine.media.frames import RunAnalyzers, merge_moderation, run_timed
from imagelens.engine.tables import find_tables
from imagelens.intake import DecodedImage
from imagelens.intake.pdf import PdfPage, PdfSource
from imagelens.types import Barcode, Moderation, PageSummary, Table, TextRegion


@dataclass(frozen=True)
class DocumentRead:
    ocr: OcrOutput  # every page's text in order; each region carries its page
    first_page_ocr: OcrOutput  # page 1 alone (what classifying the look needs)
    moderation: Moderation | None  # over every page
    faces: FaceOutput | None  # every page's faces, each with its page
    pages: list[PageSummary]
    timings: dict[str, float]
    barcodes: BarcodeOutput | None = None  # every page's codes, each with its page
    tables: list[Table] = field(default_factory=list)  # every page's tables, with its page


def read_document(
    source: PdfSource,
    first: DecodedImage,
    *,
    ocr: Analyzer | None,
    moderation: Analyzer | None,
    first_moderation: Moderation | None,
    run: RunAnalyzers,
    faces: Analyzer | None = None,
    first_faces: FaceOutput | None = None,
    barcodes: Analyzer | None = None,
    deadline: Deadline | None = None,
) -> DocumentRead:
    """Every page in order; ``deadline`` is checked before each one. Page 1's moderation
    and faces come from the pipeline (``first_moderation``, ``first_faces``)."""
    timings = {"render": 0.0, "ocr": 0.0, "moderation": 0.0, "tables": 0.0}
    found = [dataclasses.replace(f, page=1) for f in first_faces.faces] if first_faces else []
    if barcodes is not None:
        timings["barcodes"] = 0.0
    regions: list[TextRegion] = []
    codes: list[Barcode] = []
    tables: list[Table] = []
    texts: list[str] = []
    summaries: list[PageSummary] = []
    verdicts = [first_moderation] if first_moderation is not None else []
    first_ocr = OcrOutput(None, [])
    for index in range(source.page_count):
        if index:  # page 1 is already rendered; its check was the pipeline's
            check_deadline(deadline, f"page {index + 1} of {source.page_count}")
        started = time.perf_counter()
        page = source.page(index)
        timings["render"] += _ms(started)
        layer = _has_text_layer(page)
        later = (moderation, faces) if index else ()
        wanted = [a for a in (None if layer else ocr, *later, barcodes) if a]
        outputs = run_timed(run, wanted, dataclasses.replace(first, image=page.image), timings)
        verdict = outputs.get("moderation")
        if index and isinstance(verdict, Moderation):
            verdicts.append(verdict)
        page_faces = outputs.get("faces")
        if index and isinstance(page_faces, FaceOutput):
            found.extend(dataclasses.replace(f, page=page.number) for f in page_faces.faces)
        page_ocr = _page_text(page, layer, outputs.get("ocr"))
        if index == 0:
            first_ocr = page_ocr
        regions.extend(r.model_copy(update={"page": page.number}) for r in page_ocr.regions)
        if ocr is not None or layer:  # the table reader needs the page's text
            started = time.perf_counter()
            tables.extend(find_tables(page.image, page_ocr.regions, page=page.number))
            timings["tables"] += _ms(started)
        page_codes = outputs.get("barcodes")
        if isinstance(page_codes, BarcodeOutput):
            codes.extend(c.model_copy(update={"page": page.number}) for c in page_codes.codes)
        if page_ocr.visible_text:
            texts.append(page_ocr.visible_text)
        summaries.append(
            PageSummary(
                page=page.number,
                width=round(page.width_pt),
                height=round(page.height_pt),
                text_source="text_layer" if layer else "ocr",
                visible_text=page_ocr.visible_text,
                text_regions=len(page_ocr.regions),
            )
        )
    combined = OcrOutput("\n\n".join(texts) or None, regions)
    all_faces = FaceOutput(found) if faces is not None or first_faces is not None else None
    return DocumentRead(
        combined,
        first_ocr,
        merge_moderation(verdicts),
        all_faces,
        summaries,
        timings,
        BarcodeOutput(codes) if barcodes is not None else None,
        tables,
    )


# A page whose text layer holds less than this is read as a scan: a page number or a stray
# label over a scanned picture must not hide the picture's text from OCR.
_MIN_LAYER_CHARS = 10


def _has_text_layer(page: PdfPage) -> bool:
    return sum(len(r.text) for r in page.text) >= _MIN_LAYER_CHARS


def _page_text(page: PdfPage, layer: bool, ocr_output: object) -> OcrOutput:
    if layer:  # the PDF's own text: exact, in content order
        return OcrOutput("\n".join(r.text for r in page.text), list(page.text))
    if isinstance(ocr_output, OcrOutput):
        return ocr_output
    return OcrOutput(None, [])


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
