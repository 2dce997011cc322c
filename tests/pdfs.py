"""PDFs made by the tests: with a text layer (fpdf2), scans (rendered pages as images),
encrypted ones, and hand-written hostile ones (a page-count bomb, a gigantic page,
JavaScript and an attachment)."""

from __future__ import annotations

import io
import zlib

from fpdf import FPDF
from PIL import Image

FONT_SIZE = 14
LEFT_MM, TOP_MM, LINE_MM = 20, 20, 10  # where text_pdf writes its lines on an A4 page


def text_pdf(pages: list[list[str]], *, password: str | None = None, owner: str = "") -> bytes:
    """An A4 PDF with a real text layer: each page's lines, 10 mm apart from (20, 20) mm."""
    pdf = FPDF(format="A4")
    pdf.set_margins(LEFT_MM, TOP_MM)
    pdf.set_auto_page_break(False)
    for lines in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=FONT_SIZE)
        for line in lines:
            pdf.cell(0, LINE_MM, line, new_x="LMARGIN", new_y="NEXT")
    if password is not None or owner:
        pdf.set_encryption(owner_password=owner or "owner", user_password=password or "")
    return bytes(pdf.output())


def _add_scan(pdf: FPDF, image: Image.Image) -> None:
    """A page that is one picture filling the sheet (no text layer)."""
    pdf.add_page()
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG")
    buffer.seek(0)
    pdf.image(buffer, x=0, y=0, w=210, h=297)


def scanned_pdf(images: list[Image.Image]) -> bytes:
    """An A4 PDF whose pages are pictures only (no text layer): what a scanner makes."""
    pdf = FPDF(format="A4")
    for image in images:
        _add_scan(pdf, image)
    return bytes(pdf.output())


def numbered_scan(image: Image.Image, number: str) -> bytes:
    """A scanned page whose only text layer is a page number printed over it."""
    pdf = FPDF(format="A4")
    _add_scan(pdf, image)
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(100, 285)
    pdf.cell(10, 5, number)
    return bytes(pdf.output())


def mixed_pdf(lines: list[str], scan: Image.Image) -> bytes:
    """Page 1 with a text layer, page 2 a scan."""
    pdf = FPDF(format="A4")
    pdf.set_margins(LEFT_MM, TOP_MM)
    pdf.add_page()
    pdf.set_font("helvetica", size=FONT_SIZE)
    for line in lines:
        pdf.cell(0, LINE_MM, line, new_x="LMARGIN", new_y="NEXT")
    _add_scan(pdf, scan)
    return bytes(pdf.output())


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from object bodies (object 1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def page_bomb(depth: int = 6, fan: int = 10) -> bytes:
    """~1 KB declaring fan**depth pages: a page tree whose nodes all share their children."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = 2 + level
        kids = " ".join(f"{number + 1} 0 R" for _ in range(fan))
        parent = f"/Parent {number - 1} 0 R " if level else ""
        count = fan ** (depth - level)
        objects.append(f"<< /Type /Pages {parent}/Kids [{kids}] /Count {count} >>".encode())
    leaf_parent = 1 + depth
    objects.append(f"<< /Type /Page /Parent {leaf_parent} 0 R /MediaBox [0 0 612 792] >>".encode())
    return raw_pdf(objects)


def single_page(page: bytes, catalog_extra: bytes = b"", extra: list[bytes] | None = None) -> bytes:
    """One page (its dictionary body after /Type /Page) plus any extra objects (from 4)."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R " + page + b" >>",
            *(extra or []),
        ]
    )


def giant_page() -> bytes:
    """A page 2,000,000 points square (about 700 m): rendering it at 150 dpi would take
    17 terapixels."""
    return single_page(b"/MediaBox [0 0 2000000 2000000]")


def scripted_pdf() -> bytes:
    """JavaScript on open, and an embedded file: neither may run or be read."""
    script = b"/OpenAction << /S /JavaScript /JS (app.alert('pwned')) >> "
    files = b"/Names << /EmbeddedFiles << /Names [(evil.exe) 4 0 R] >> >> "
    return single_page(
        b"/MediaBox [0 0 612 792]",
        catalog_extra=script + files,
        extra=[
            b"<< /Type /Filespec /F (evil.exe) /EF << /F 5 0 R >> >>",
            b"<< /Type /EmbeddedFile /Length 4 >>\nstream\nMZ\x90\x00\nendstream",
        ],
    )


def dense_scan_pdf(pages: int = 50, n_lines: int = 60) -> bytes:
    """``pages`` pages that all show one dense, greyscale scan of small print (no text
    layer): the image is stored once, so the file stays small (~200 KB) while every
    page costs a full OCR pass (the job-budget report of issue 24)."""
    from tests.imagegen import PAGE_LINES, text_page

    lines = (PAGE_LINES * (n_lines // len(PAGE_LINES) + 1))[:n_lines]
    page = text_page(lines, font_size=18, spacing=1.5).image
    scan = page.convert("L").rotate(0.7, fillcolor=255)
    pdf = FPDF(format="A4")
    for _ in range(pages):
        _add_scan(pdf, scan)
    return bytes(pdf.output())


def _flate(content: bytes) -> bytes:
    packed = zlib.compress(content, 9)
    head = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
    return head + packed + b"\nendstream"


def inflating_pdf(megabytes: int = 400) -> bytes:
    """A page whose content stream inflates ~1000:1 into ``megabytes`` of line-drawing
    operators: 400 MB (a 0.8 MB file) took PDFium 8 GB and a minute in process."""
    unit = b"0 0 m 1 1 l S\n"
    content = unit * (megabytes * 2**20 // len(unit))
    return single_page(b"/MediaBox [0 0 612 792] /Contents 4 0 R", extra=[_flate(content)])


def nested_q_pdf(depth: int = 3_000_000) -> bytes:
    """A few KB of ``depth`` nested ``q`` (save graphics state) operators: 3 million took
    PDFium 500 MB."""
    return single_page(b"/MediaBox [0 0 612 792] /Contents 4 0 R", extra=[_flate(b"q " * depth)])


def cyclic_pages() -> bytes:
    """A page tree whose only kid is a page-tree node pointing back at its parent."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ]
    )
