"""PDF pages rendered in a child process whose memory is capped.

What PDFium allocates for a page cannot be bounded from outside it: a 408 KB PDF whose
content stream inflates to 400 MB of path operators took 8 GB and a minute; 6 KB of three
million nested ``q`` operators took 500 MB. So pages are rendered by ``pdfchild.py`` under
RLIMIT_AS (``IMAGELENS_LIMITS__DOCUMENT_MEMORY_BYTES``) and a wall-time bound; past either,
PDFium aborts or is killed, and only the child dies. The child keeps the last document open,
so the pages of one PDF cost one start (about 60 ms) and one load.

The child has parsed a hostile file, so its answers are data to check, never to trust: the
request and the reply move under one deadline, the header line is bounded, the pixels must be
exactly the size the header gives and no more than the parent asked for, and every field is
checked before use. A child that breaks the protocol is killed and the page is InvalidImage.

Callers hold pdf.py's lock: one render at a time per server process.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from imagelens.errors import DecompressionBomb, ImageTooLarge, InvalidImage

RENDER_SECONDS = 60.0  # one page's wall time, the request sent and the reply read
MAX_HEADER_BYTES = 16 << 20  # a reply's JSON line: a dense text layer takes a few hundred KB
# -I (isolated): the script's folder, intake/, is not put on sys.path, where its media.py or
# video.py would shadow modules of the same name; nor do PYTHON* variables or user site apply.
CHILD_COMMAND = (sys.executable, "-I", str(Path(__file__).with_name("pdfchild.py")))
_CHUNK = 1 << 20


@dataclass(frozen=True)
class RenderedPage:
    image: Image.Image  # RGB, as PDFium drew it (before /Rotate)
    box: tuple[float, float, float, float]  # the crop box: left, bottom, width, height
    rotation: int
    rects: tuple[tuple[float, float, float, float, str], ...]  # text layer, PDF space


class PageRenderer:
    """One child process at a time, started on demand and again after it dies.

    ``command`` starts the child (the memory cap is appended as its last argument); pages are
    drawn at ``dpi`` unless that would exceed the pixels asked for."""

    def __init__(
        self,
        *,
        dpi: float,
        command: Sequence[str] = CHILD_COMMAND,
        seconds: float = RENDER_SECONDS,
    ) -> None:
        self._dpi = dpi
        self._command = tuple(command)
        self._seconds = seconds
        self._child: subprocess.Popen[bytes] | None = None
        # The bytes the child has open, held so that no other document can take their id.
        self._document: bytes | None = None
        self._limit = 0
        self._owner = 0  # the pid that started the child: a forked copy must not share its pipes

    def render(self, data: bytes, index: int, max_pixels: int, memory_limit: int) -> RenderedPage:
        """Page ``index`` (from 0) of ``data``; raises our errors, never PDFium's."""
        child = self._ready(memory_limit)
        assert child.stdin is not None and child.stdout is not None
        send = self._document is not data
        request = {
            "index": index,
            "max_pixels": max_pixels,
            "dpi": self._dpi,
            "length": len(data) if send else 0,
        }
        deadline = time.monotonic() + self._seconds
        try:
            _write(child.stdin.fileno(), json.dumps(request).encode() + b"\n", deadline)
            if send:
                _write(child.stdin.fileno(), data, deadline)
            self._document = data
            header, payload = _reply(child.stdout.fileno(), deadline, max_pixels)
            if "error" in header:
                self._document = None  # a failed load leaves the child without a document
                reason = " ".join(header["error"].split())[:200] or "no reason given"
                raise InvalidImage(f"Page {index + 1} of the PDF cannot be read ({reason}).")
            return _page(header, payload)
        except _BadReply as exc:
            self.close()
            raise InvalidImage(
                f"Page {index + 1} of the PDF could not be rendered: the renderer's answer "
                f"was malformed ({exc})."
            ) from exc
        except _TooSlow as exc:
            self.close()
            raise ImageTooLarge(
                f"Page {index + 1} of the PDF takes longer than {self._seconds:.0f} s to "
                "render; it is refused.",
                details={"page": index + 1, "max_seconds": self._seconds},
            ) from exc
        except (OSError, _ChildGone) as exc:
            crashed = _crashed(child)
            self.close()
            if crashed:
                raise InvalidImage(f"Page {index + 1} of the PDF crashes PDFium.") from exc
            raise DecompressionBomb(
                f"Page {index + 1} of the PDF needs more than {memory_limit >> 20} MB to "
                "render (IMAGELENS_LIMITS__DOCUMENT_MEMORY_BYTES); it is refused.",
                details={"page": index + 1, "max_bytes": memory_limit},
            ) from exc

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
                [*self._command, str(memory_limit)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            # Writes wait under the deadline too: a child that stops reading cannot hold us.
            assert self._child.stdin is not None
            os.set_blocking(self._child.stdin.fileno(), False)
            self._limit = memory_limit
            if self._owner != os.getpid():  # once per process: the child goes when we do
                atexit.register(self.close)
            self._owner = os.getpid()
        return self._child


class _ChildGone(Exception):
    """The child exited (its memory cap reached, or PDFium crashed) before answering."""


class _TooSlow(Exception):
    """The child did not take the request or answer it within the deadline."""


class _BadReply(Exception):
    """The child answered outside the protocol."""


def _write(fd: int, data: bytes, deadline: float) -> None:
    view = memoryview(data)
    while view:
        _wait(fd, deadline, write=True)
        try:
            view = view[os.write(fd, view[:_CHUNK]) :]
        except BlockingIOError:
            continue


def _read(fd: int, size: int, deadline: float) -> bytes:
    _wait(fd, deadline, write=False)
    chunk = os.read(fd, size)
    if not chunk:
        raise _ChildGone
    return chunk


def _wait(fd: int, deadline: float, *, write: bool) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _TooSlow
    readable, writable, _ = select.select(
        [] if write else [fd], [fd] if write else [], [], remaining
    )
    if not (writable if write else readable):
        raise _TooSlow


def _reply(fd: int, deadline: float, max_pixels: int) -> tuple[dict[str, Any], bytes]:
    """One reply: its header, checked against ``max_pixels``, and exactly its pixels."""
    buffer = bytearray()
    searched = 0
    while (end := buffer.find(b"\n", searched)) < 0:
        if len(buffer) > MAX_HEADER_BYTES:
            raise _BadReply(f"a header line over {MAX_HEADER_BYTES >> 20} MB")
        searched = len(buffer)
        buffer += _read(fd, 1 << 16, deadline)
    if end > MAX_HEADER_BYTES:
        raise _BadReply(f"a header line over {MAX_HEADER_BYTES >> 20} MB")
    try:
        header = json.loads(bytes(buffer[:end]))
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested too deep
        raise _BadReply("a header that is not JSON") from exc
    if not isinstance(header, dict):
        raise _BadReply("a header that is not a JSON object")
    if "error" in header:
        if not isinstance(header["error"], str):
            raise _BadReply("an error that is not text")
        length = 0
    else:
        width, height = _size(header.get("size"), max_pixels)
        length = width * height * 3
    if header.get("length") != length or isinstance(header.get("length"), bool):
        raise _BadReply(f"a length that is not {length}, the size of its pixels")
    payload = buffer[end + 1 :]
    if len(payload) > length:
        raise _BadReply("more bytes than its length")
    while len(payload) < length:
        payload += _read(fd, min(length - len(payload), _CHUNK), deadline)
    return header, bytes(payload)


def _size(value: object, max_pixels: int) -> tuple[int, int]:
    width, height = (_whole(v, 1, max_pixels, "side") for v in _items(value, 2, "size"))
    if width * height > max_pixels:
        raise _BadReply(f"a {width}x{height} image, over the {max_pixels} pixels asked for")
    return width, height


def _page(header: dict[str, Any], payload: bytes) -> RenderedPage:
    width, height = (int(v) for v in header["size"])  # checked by _reply
    left, bottom, box_width, box_height = (_number(v) for v in _items(header.get("box"), 4, "box"))
    if box_width <= 0 or box_height <= 0:
        raise _BadReply("an empty crop box")
    rotation = _whole(header.get("rotation"), 0, 270, "rotation")
    if rotation % 90:
        raise _BadReply(f"a rotation of {rotation} degrees")
    rects = header.get("rects")
    if not isinstance(rects, list):
        raise _BadReply("a text layer that is not a list")
    return RenderedPage(
        Image.frombytes("RGB", (width, height), payload),
        (left, bottom, box_width, box_height),
        rotation,
        tuple(_rect(rect) for rect in rects),
    )


def _rect(value: object) -> tuple[float, float, float, float, str]:
    x0, y0, x1, y1, text = _items(value, 5, "text box")
    if not isinstance(text, str):
        raise _BadReply("a text box whose text is not text")
    # A lone surrogate survives JSON but not the UTF-8 of our responses.
    text = text.encode("utf-8", "replace").decode()
    return _number(x0), _number(y0), _number(x1), _number(y1), text


def _items(value: object, count: int, name: str) -> list[Any]:
    if not isinstance(value, list) or len(value) != count:
        raise _BadReply(f"a {name} that is not a list of {count}")
    return value


def _whole(value: object, low: int, high: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _BadReply(f"a {name} that is not a whole number from {low} to {high}")
    return value


def _number(value: object) -> float:
    try:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError
        number = float(value)  # OverflowError for an integer past a float's range
    except (TypeError, OverflowError):
        number = math.nan
    if not math.isfinite(number):
        raise _BadReply("a coordinate that is not a finite number")
    return number


def _crashed(child: subprocess.Popen[bytes]) -> bool:
    """Whether the child died of a bad memory access, not of its memory cap (PDFium aborts,
    SIGABRT, when an allocation fails; Python exits 1 on MemoryError)."""
    try:
        code = child.wait(timeout=2)
    except subprocess.TimeoutExpired:
        return False  # alive: it was too slow
    return code in (-signal.SIGSEGV, -signal.SIGBUS, -signal.SIGILL)
