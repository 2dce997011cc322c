"""PDF pages rendered in a child process whose memory is capped.

What PDFium allocates for a page cannot be bounded from outside it: a 408 KB PDF whose
content stream inflates to 400 MB of path operators took 8 GB and a minute; 6 KB of three
million nested ``q`` operators took 500 MB. So pages are rendered by ``pdfchild.py`` under
RLIMIT_AS (``IMAGELENS_LIMITS__DOCUMENT_MEMORY_BYTES``) and a wall-time bound; past either,
PDFium aborts or is killed, and only the child dies. The child keeps the last document open,
so the pages of one PDF cost one start (about 60 ms) and one load.

Callers hold pdf.py's lock: one render at a time per server process.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from imagelens.errors import DecompressionBomb, ImageTooLarge, InvalidImage

RENDER_SECONDS = 60.0  # one page's wall time in the child
_CHILD = Path(__file__).with_name("pdfchild.py")


@dataclass(frozen=True)
class RenderedPage:
    image: Image.Image  # RGB, as PDFium drew it (before /Rotate)
    box: tuple[float, float, float, float]  # the crop box: left, bottom, width, height
    rotation: int
    rects: tuple[tuple[float, float, float, float, str], ...]  # text layer, PDF space


class PageRenderer:
    """One child process at a time, started on demand and again after it dies."""

    def __init__(self) -> None:
        self._child: subprocess.Popen[bytes] | None = None
        # The bytes the child has open, held so that no other document can take their id.
        self._document: bytes | None = None
        self._limit = 0
        self._owner = 0  # the pid that started the child: a forked copy must not share its pipes

    def render(self, data: bytes, index: int, max_pixels: int, memory_limit: int) -> RenderedPage:
        """Page ``index`` (from 0) of ``data``; raises our errors, never PDFium's."""
        child = self._ready(memory_limit)
        send = self._document is not data
        request = {"index": index, "max_pixels": max_pixels, "length": len(data) if send else 0}
        try:
            assert child.stdin is not None
            child.stdin.write(json.dumps(request).encode() + b"\n")
            if send:
                child.stdin.write(data)
            child.stdin.flush()
            self._document = data
            header, payload = self._reply(child)
        except (OSError, ValueError, _ChildGone, _TooSlow) as exc:
            crashed = not isinstance(exc, _TooSlow) and _crashed(child)
            self.close()
            if crashed:
                raise InvalidImage(f"Page {index + 1} of the PDF crashes PDFium.") from exc
            raise self._failure(exc, index, memory_limit) from exc
        if "error" in header:
            raise InvalidImage(f"Page {index + 1} of the PDF cannot be read ({header['error']}).")
        size = (int(header["size"][0]), int(header["size"][1]))
        image = Image.frombytes("RGB", size, payload)
        rects = tuple(
            (float(x0), float(y0), float(x1), float(y1), str(text))
            for x0, y0, x1, y1, text in header["rects"]
        )
        left, bottom, width, height = (float(v) for v in header["box"])
        return RenderedPage(image, (left, bottom, width, height), int(header["rotation"]), rects)

    def close(self) -> None:
        if self._child is not None:
            self._child.kill()
            self._child.wait()
            for pipe in (self._child.stdin, self._child.stdout):
                if pipe is not None:
                    pipe.close()
        self._child = None
        self._document = None

    def _ready(self, memory_limit: int) -> subprocess.Popen[bytes]:
        if self._owner != os.getpid():  # forked (a prefork worker): start a child of our own
            self._child, self._document = None, None
        if self._child is not None and (
            self._child.poll() is not None or self._limit != memory_limit
        ):
            self.close()
        if self._child is None:
            self._child = subprocess.Popen(
                [sys.executable, "-s", str(_CHILD), str(memory_limit)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            self._limit = memory_limit
            self._owner = os.getpid()
        return self._child

    def _reply(self, child: subprocess.Popen[bytes]) -> tuple[dict[str, Any], bytes]:
        assert child.stdout is not None
        deadline = time.monotonic() + RENDER_SECONDS
        line = b""
        while not line.endswith(b"\n"):
            _wait_readable(child, deadline)
            chunk = child.stdout.readline()
            if not chunk:
                raise _ChildGone
            line += chunk
        header: dict[str, Any] = json.loads(line)
        payload = child.stdout.read(int(header["length"]))
        if len(payload) != header["length"]:
            raise _ChildGone
        return header, payload

    def _failure(self, exc: BaseException, index: int, memory_limit: int) -> Exception:
        if isinstance(exc, _TooSlow):
            return ImageTooLarge(
                f"Page {index + 1} of the PDF takes longer than {RENDER_SECONDS:.0f} s to "
                "render; it is refused.",
                details={"page": index + 1, "max_seconds": RENDER_SECONDS},
            )
        return DecompressionBomb(
            f"Page {index + 1} of the PDF needs more than {memory_limit >> 20} MB to render "
            "(IMAGELENS_LIMITS__DOCUMENT_MEMORY_BYTES); it is refused.",
            details={"page": index + 1, "max_bytes": memory_limit},
        )


class _ChildGone(Exception):
    """The child exited (its memory cap reached, or PDFium crashed) before answering."""


class _TooSlow(Exception):
    """The child did not answer within RENDER_SECONDS."""


def _crashed(child: subprocess.Popen[bytes]) -> bool:
    """Whether the child died of a bad memory access, not of its memory cap (PDFium aborts,
    SIGABRT, when an allocation fails; Python exits 1 on MemoryError)."""
    try:
        code = child.wait(timeout=2)
    except subprocess.TimeoutExpired:
        return False  # alive: it was too slow
    return code in (-signal.SIGSEGV, -signal.SIGBUS, -signal.SIGILL)


def _wait_readable(child: subprocess.Popen[bytes], deadline: float) -> None:
    assert child.stdout is not None
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _TooSlow
    ready, _, _ = select.select([child.stdout], [], [], remaining)
    if not ready:
        raise _TooSlow
