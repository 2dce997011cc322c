"""Rendered invoices and statements with tables (ruled, zebra-striped, borderless), as
degraded images (a slight turn, blur, noise, JPEG) and as PDFs with a text layer (fpdf2).
Each fixture knows its table's cells and its form's label/value pairs."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image, ImageDraw, ImageFilter

from tests.imagegen import font

INVOICE = (
    ("Description", "Qty", "Unit price", "Amount"),
    ("Office chair", "2", "149.00", "298.00"),
    ("Desk lamp", "4", "23.50", "94.00"),
    ("Paper A4 box", "10", "5.20", "52.00"),
    ("Stapler", "1", "12.90", "12.90"),
    ("Monitor stand", "3", "39.00", "117.00"),
)
STATEMENT = (
    ("Date", "Reference", "Debit", "Credit", "Balance"),
    ("01.03.2024", "Opening", "", "", "1,200.00"),
    ("04.03.2024", "Rent March", "850.00", "", "350.00"),
    ("09.03.2024", "Salary", "", "2,400.00", "2,750.00"),
    ("15.03.2024", "Groceries", "96.40", "", "2,653.60"),
    ("22.03.2024", "Electricity", "61.15", "", "2,592.45"),
    ("28.03.2024", "Refund", "", "25.00", "2,617.45"),
)
FORM = (("Invoice No.:", "48213"), ("Date:", "12.03.2024"), ("Customer:", "Northwind Traders"))
STYLES = ("ruled", "zebra", "borderless")


@dataclass(frozen=True)
class TableFixture:
    name: str
    image: Image.Image
    rows: tuple[tuple[str, ...], ...]  # the table's cells, header first
    key_values: dict[str, str]


def _right(column: int, cells: tuple[str, ...]) -> bool:
    return column > 0 and any(ch.isdigit() for row in cells for ch in row)


def render(style: str, rows: tuple[tuple[str, ...], ...] = INVOICE) -> Image.Image:
    """An invoice page (1240 px wide, 150 dpi A4-like) whose table is drawn in ``style``."""
    image = Image.new("RGB", (1240, 1100), "white")
    draw = ImageDraw.Draw(image)
    draw.text((80, 60), "INVOICE", fill="black", font=font(44, bold=True))
    body, bold = font(24), font(24, bold=True)
    for i, (label, value) in enumerate(FORM):
        y = 150 + i * 42
        draw.text((80, y), label, fill="black", font=bold)
        draw.text((300, y), value, fill="black", font=body)
    n = len(rows[0])
    widths = [360, *([700 // (n - 1)] * (n - 1))] if n == 4 else [200, 250, 170, 170, 170]
    x0, top, row_h = 80, 380, 52
    edges = [x0]
    for w in widths:
        edges.append(edges[-1] + w)
    for r, row in enumerate(rows):
        y = top + r * row_h
        header = r == 0
        if style == "zebra":
            fill = (38, 64, 110) if header else ((232, 237, 243) if r % 2 == 0 else "white")
            draw.rectangle((edges[0], y, edges[-1], y + row_h), fill=fill)
        colour = "white" if style == "zebra" and header else "black"
        for c, text in enumerate(row):
            f = bold if header else body
            width = draw.textlength(text, font=f)
            numeric = c > 0 and any(ch.isdigit() for rr in rows[1:] for ch in rr[c])
            x = edges[c + 1] - 14 - width if numeric else edges[c] + 14
            draw.text((x, y + 12), text, fill=colour, font=f)
    bottom = top + len(rows) * row_h
    if style == "ruled":
        for r in range(len(rows) + 1):
            draw.line(
                (edges[0], top + r * row_h, edges[-1], top + r * row_h), fill="black", width=2
            )
        for x in edges:
            draw.line((x, top, x, bottom), fill="black", width=2)
    draw.text((80, bottom + 60), "Thank you for your business.", fill="black", font=body)
    return image


def degrade(image: Image.Image, *, angle: float = 0.7, seed: int = 0) -> Image.Image:
    """What a scan or a phone does: a slight turn, blur, sensor noise and JPEG."""
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor="white")
    blurred = turned.filter(ImageFilter.GaussianBlur(0.8))
    pixels = np.asarray(blurred).astype(np.float32)
    noise = np.random.default_rng(seed).normal(0, 6, pixels.shape)
    noisy = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=70)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def image_fixture(
    style: str, rows: tuple[tuple[str, ...], ...] = INVOICE, *, clean: bool = False
) -> TableFixture:
    image = render(style, rows)
    return TableFixture(
        f"{style}-{'invoice' if rows is INVOICE else 'statement'}-image",
        image if clean else degrade(image, seed=len(style)),
        rows,
        {k.rstrip(":"): v for k, v in FORM},
    )


def table_pdf(style: str, rows: tuple[tuple[str, ...], ...] = INVOICE) -> bytes:
    """An A4 invoice with a text layer: the form's labels and values, then the table drawn
    by fpdf2 in ``style`` (ruled: every border; zebra: filled rows; borderless: none)."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", "B", size=20)
    pdf.set_xy(20, 20)
    pdf.cell(0, 10, "INVOICE")
    for i, (label, value) in enumerate(FORM):
        pdf.set_xy(20, 40 + i * 8)
        pdf.set_font("helvetica", "B", size=11)
        pdf.cell(40, 8, label)
        pdf.set_font("helvetica", size=11)
        pdf.cell(80, 8, value)
    pdf.set_xy(20, 80)
    pdf.set_font("helvetica", size=11)
    layout = {"ruled": "ALL", "zebra": "NONE", "borderless": "NONE"}[style]
    heading = FontFace(
        emphasis="BOLD",
        color=255 if style == "zebra" else 0,
        fill_color=(38, 64, 110) if style == "zebra" else None,
    )
    n = len(rows[0])
    widths = (60, 25, 35, 35) if n == 4 else (30, 45, 30, 30, 35)
    numeric = [c > 0 and any(ch.isdigit() for r in rows[1:] for ch in r[c]) for c in range(n)]
    aligns = tuple("RIGHT" if numeric[c] else "LEFT" for c in range(n))
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        text_align=aligns,
        borders_layout=layout,
        headings_style=heading,
        cell_fill_color=(232, 237, 243) if style == "zebra" else None,
        cell_fill_mode="ROWS" if style == "zebra" else "NONE",
        line_height=8,
    ) as table:
        for row in rows:
            table.row(row)
    pdf.set_xy(20, 200)
    pdf.cell(0, 10, "Thank you for your business.")
    return bytes(pdf.output())


# A form whose pairs the line regexes cannot read alone: two pairs on one line, and values
# printed under their labels.
FORM_PAIRS = {
    "Invoice No.": "48213",
    "Date": "12.03.2024",
    "Ship to": "Northwind Traders",
    "Account": "DE44 5001 0517 5407 3249 31",
}


def form_page() -> Image.Image:
    """A form: "Invoice No.: 48213" and "Date: 12.03.2024" on one line, "Ship to:" and
    "Account:" side by side with their values on the line below; degraded like a scan."""
    image = Image.new("RGB", (1240, 700), "white")
    draw = ImageDraw.Draw(image)
    body, bold = font(24), font(24, bold=True)
    draw.text((80, 60), "ORDER FORM", fill="black", font=font(40, bold=True))
    draw.text((80, 160), "Invoice No.:", fill="black", font=bold)
    draw.text((270, 160), "48213", fill="black", font=body)
    draw.text((700, 160), "Date:", fill="black", font=bold)
    draw.text((800, 160), "12.03.2024", fill="black", font=body)
    draw.text((80, 260), "Ship to:", fill="black", font=bold)
    draw.text((80, 300), "Northwind Traders", fill="black", font=body)
    draw.text((700, 260), "Account:", fill="black", font=bold)
    draw.text((700, 300), "DE44 5001 0517 5407 3249 31", fill="black", font=body)
    draw.text((80, 420), "Please keep this form for your records.", fill="black", font=body)
    return degrade(image, angle=0.5, seed=7)
