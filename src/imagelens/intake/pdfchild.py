"""The child process that renders PDF pages (see pdfrender.py), run as a script.

It imports only pypdfium2 and Pillow (not imagelens: 60 ms to start instead of 400), caps its
own address space with RLIMIT_AS before it reads any request, and speaks a small protocol on
stdin/stdout: a JSON line (with a length for what follows it) and raw bytes. JSON, never
pickle: what comes back was made from a hostile file, so the parent parses only data.
"""

from __future__ import annotations

import ctypes
import json
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
    document: pdfium.PdfDocument, index: int, max_pixels: int
) -> tuple[dict[str, Any], bytes]:
    page = document[index]
    try:
        left, bottom, right, top = page.get_bbox()  # the crop box, inherited ones included
        width, height = max(right - left, 1e-3), max(top - bottom, 1e-3)
        scale = min(150 / 72, (max_pixels / (width * height)) ** 0.5)
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
                    _trim()
                document = pdfium.PdfDocument(data)
            assert document is not None, "no document sent"
            header, pixels = _render(document, request["index"], request["max_pixels"])
        except pdfium.PdfiumError as exc:
            _send(out, {"error": str(exc)})
            continue
        _send(out, header, pixels)


if __name__ == "__main__":
    main()
