"""The child process that renders PDF pages (see pdfrender.py), run as an isolated script.

It imports only pypdfium2 and Pillow (not imagelens: 60 ms to start instead of 400), caps its
own address space with RLIMIT_AS before it reads any request, and speaks a small protocol on
stdin/stdout: a JSON line (with a length for what follows it) and raw bytes. JSON, never
pickle: what comes back was made from a hostile file, so the parent parses only data.

A request is ``{"index", "max_pixels", "dpi", "length"}`` and the document's bytes when
``length`` is not 0; a reply is ``{"box", "rotation", "size", "rects", "length"}`` and the
page's RGB pixels, or ``{"error", "length": 0}``. Only running out of memory ends the child:
the parent reads its death as the page's memory cap reached.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import resource
import sys
from typing import Any, BinaryIO

import pypdfium2 as pdfium


def _send(out: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    out.write(json.dumps({**header, "length": len(payload)}).encode() + b"\n")
    out.write(payload)
    out.flush()


def _render(
    document: pdfium.PdfDocument, index: int, max_pixels: int, dpi: float
) -> tuple[dict[str, Any], bytes]:
    if max_pixels < 1 or not dpi > 0:
        raise ValueError(f"nothing to render into ({max_pixels} pixels at {dpi} dpi)")
    page = document[index]
    try:
        left, bottom, right, top = page.get_bbox()  # the crop box, inherited ones included
        width, height = max(right - left, 1e-3), max(top - bottom, 1e-3)
        scale = min(dpi / 72, (max_pixels / (width * height)) ** 0.5)
        # PDFium rounds the bitmap's sides up, which can take it past max_pixels (a sliver
        # of a page rounds to 1 px wide); the parent refuses an image over it.
        page_width, page_height = page.get_size()
        while math.ceil(page_width * scale) * math.ceil(page_height * scale) > max_pixels:
            scale *= 0.99
        image = page.render(scale=scale).to_pil().convert("RGB")
        text_page = page.get_textpage()
        try:
            rects = []
            for i in range(text_page.count_rects()):
                x0, y0, x1, y1 = text_page.get_rect(i)
                rects.append([x0, y0, x1, y1, text_page.get_text_bounded(x0, y0, x1, y1)])
        finally:
            text_page.close()
        header = {
            "box": [left, bottom, width, height],
            "rotation": page.get_rotation() % 360,
            "size": list(image.size),
            "rects": rects,
        }
        return header, image.tobytes()
    finally:
        page.close()


def _trim() -> None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def main() -> None:
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Keep the protocol's stdout to ourselves: anything PDFium prints goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    document: pdfium.PdfDocument | None = None
    while line := requests.readline():
        request = json.loads(line)
        data = requests.read(request["length"]) if request["length"] else b""
        try:
            if data:
                if document is not None:
                    document.close()
                    document = None  # not left closed but in use if the next one fails to load
                    _trim()
                document = pdfium.PdfDocument(data)
            if document is None:
                raise ValueError("no document sent")
            header, pixels = _render(
                document, request["index"], request["max_pixels"], request["dpi"]
            )
        except MemoryError:
            raise
        except Exception as exc:  # whatever else the page does is an answer, not our death
            _send(out, {"error": str(exc) or type(exc).__name__})
            continue
        _send(out, header, pixels)


if __name__ == "__main__":
    main()
