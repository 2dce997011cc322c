"""Tesseract 5 (tesserocr, the engine kept loaded) on Debian's language packs: reads one line."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from imagelens.errors import ModelUnavailable

# Debian's tesseract-ocr-* packages put their models here (Makefile `tesseract`, Dockerfile).
_DEBIAN_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
# Tesseract reads best with capitals ~30 px high; smaller line crops are scaled up to this.
_LINE_HEIGHT = 48
_BORDER = 10
# tesserocr.PSM.SINGLE_LINE, RAW_LINE and SINGLE_BLOCK (page segmentation modes 7, 13, 6),
# as numbers: tesserocr is imported only when a reader is first used.
_PSM_SINGLE_LINE = 7
_PSM_RAW_LINE = 13
_PSM_SINGLE_BLOCK = 6
# A single-line reading less sure than this (percent) is tried again as a raw line and as a
# block (which read a 16 px Thai line, its crop holding the tone marks of the lines around
# it, at 0.93 where single-line mode read letters at 0.52).
_RETRY_BELOW = 60
# Marks a line's end specks are read as; a word of one or two alone at either end is
# dropped.
_SPECKS = frozenset("._|:;,'`~^\"")
# Greek spacing accents (psili, tonos and the like), never a line's first character.
_SPACING_ACCENTS = (
    "\u0384\u0385\u1fbd\u1fbf\u1fc0\u1fc1\u1fcd\u1fce\u1fcf"
    "\u1fdd\u1fde\u1fdf\u1fed\u1fee\u1fef\u1ffd\u1ffe"
)
# Tesseract wraps Latin runs inside right-to-left lines in LRM/RLM marks.
_BIDI_MARKS = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def tessdata_dir() -> Path | None:
    """Where the language models are: $TESSDATA_PREFIX, else Debian's; None without eng."""
    env = os.environ.get("TESSDATA_PREFIX")
    for path in ([Path(env)] if env else []) + [_DEBIAN_TESSDATA]:
        if (path / "eng.traineddata").is_file():
            return path
    return None


@dataclass(frozen=True, slots=True)
class LineRead:
    text: str
    confidence: float  # 0..1, Tesseract's mean word confidence


class TesseractReader:
    """One engine per language combination (``"rus+eng"``), each loaded on first use and
    used by one thread at a time (a TessBaseAPI is not thread-safe)."""

    def __init__(self, tessdata: Path | None = None) -> None:
        self._tessdata = tessdata or tessdata_dir()
        self._engines: dict[str, tuple[Any, threading.Lock]] = {}
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self._tessdata is not None

    def installed(self, lang: str) -> bool:
        """Whether every model of ``lang`` (``"rus+eng"``) is installed."""
        return self._tessdata is not None and all(
            (self._tessdata / f"{part}.traineddata").is_file() for part in lang.split("+")
        )

    def _engine(self, lang: str) -> tuple[Any, threading.Lock]:
        with self._lock:
            held = self._engines.get(lang)
            if held is None:
                if not self.installed(lang):
                    raise ModelUnavailable(f"Tesseract's {lang} language data is not installed.")
                import tesserocr  # type: ignore[import-untyped]  # ships no .pyi users see

                api = tesserocr.PyTessBaseAPI(
                    path=f"{self._tessdata}/", lang=lang, psm=_PSM_SINGLE_LINE
                )
                # Spaces between words as printed: Tesseract's default drops them in
                # Korean; kept for Arabic it dropped them instead ("حالكاليوم"). (Japanese
                # is only probed, where spaces change nothing.)
                if "kor" in lang.split("+"):
                    api.SetVariable("preserve_interword_spaces", "1")
                held = self._engines[lang] = (api, threading.Lock())
            return held

    def read_line(
        self, gray: np.ndarray, lang: str, *, raw: bool = False, retry_raw: bool = False
    ) -> LineRead:
        """Read one line crop (grayscale, dark text on light or light on dark).

        ``raw``: read it as a raw line (no layout analysis) only. ``retry_raw``: a line read
        as nothing, or unsurely, is read again as a raw line and as a block, and the surest
        reading kept. In single-line mode Tesseract 5 answers some clean lines with nothing
        at all, or a few letters (half of four rendered Arabic lines on some turns and
        noise; every language on a line seen in perspective); as a raw line it reads them
        (0.55-0.86)."""
        api, lock = self._engine(lang)
        image = _prepared(gray)
        with lock:
            if raw:
                text, confidence = _read(api, image, _PSM_RAW_LINE)
            else:
                text, confidence = _read(api, image, _PSM_SINGLE_LINE)
                if retry_raw and (not text or confidence < _RETRY_BELOW):
                    for psm in (_PSM_RAW_LINE, _PSM_SINGLE_BLOCK):
                        again, again_confidence = _read(api, image, psm)
                        if again and again_confidence > confidence:
                            text, confidence = again, again_confidence
        text = text.translate(_BIDI_MARKS)  # logical order needs no direction marks
        return LineRead(" ".join(text.split()), max(confidence, 0) / 100)

    def close(self) -> None:
        with self._lock:
            for api, _lock in self._engines.values():
                api.End()
            self._engines.clear()


def _read(api: Any, image: Image.Image, psm: int) -> tuple[str, int]:
    """``image`` read in page segmentation mode ``psm``, trimmed of specks (see
    :func:`_trimmed`); the engine is left in single-line mode."""
    if psm != _PSM_SINGLE_LINE:
        api.SetPageSegMode(psm)
    try:
        api.SetImage(image)
        text, confidence = api.GetUTF8Text(), int(api.MeanTextConf())
    finally:
        if psm != _PSM_SINGLE_LINE:
            api.SetPageSegMode(_PSM_SINGLE_LINE)
    if psm == _PSM_SINGLE_BLOCK:
        # As a block, pieces of the neighbouring lines in the crop come as lines of their
        # own: the one with the most letters is kept, at the whole block's confidence. (At
        # its own, tried, a one-word fragment of an Arabic line read at 0.84 outbid the
        # whole line read raw; the block's confidence carries the doubt about the rest.)
        text = max(text.splitlines() or [""], key=lambda t: sum(ch.isalnum() for ch in t))
    return _trimmed(text), confidence


def _trimmed(text: str) -> str:
    """A reading without the specks at its ends that Tesseract reads as words of their own
    ("_", ".", "|" or ":" from a crop's edge noise, or the edge of a sign on a photo)."""
    words = text.split()
    while words and _speck(words[0]):
        words.pop(0)
    while words and _speck(words[-1]):
        words.pop()
    # A spacing accent alone at the line's start (Greek "᾿Καλημέρα": the sign's edge).
    return " ".join(words).lstrip(_SPACING_ACCENTS)


def _speck(word: str) -> bool:
    """One or two edge marks ("..." and a minus sign are text, kept)."""
    return len(word) <= 2 and all(ch in _SPECKS for ch in word)


def _prepared(gray: np.ndarray) -> Image.Image:
    image = Image.fromarray(gray)
    if float(np.mean(gray)) < 128:  # light text on a dark ground
        image = ImageOps.invert(image)
    if image.height < _LINE_HEIGHT:
        scale = _LINE_HEIGHT / max(image.height, 1)
        image = image.resize(
            (max(1, round(image.width * scale)), _LINE_HEIGHT), Image.Resampling.BICUBIC
        )
    return ImageOps.expand(image, border=_BORDER, fill=255)
