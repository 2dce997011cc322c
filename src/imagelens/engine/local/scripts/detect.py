"""Which lines PP-OCR could not read, and in which script they are written.

PP-OCR's recogniser knows Chinese, Japanese and Latin letters. Fed Cyrillic, Arabic or Thai
it answers with punctuation, a few look-alike Latin letters, or nothing, and less surely than
on its own scripts; its detector still boxes the line. So a box is *suspect* when the reading
is unsure, or holds letters of a script PP-OCR does not really know, or explains too little
of the box (a 6-character-wide box read as ", "). The script of the suspect lines is then
probed: Tesseract reads them with each installed language and the most confident wins
(measured on rendered lines: the right language leads by 10-40 points of confidence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from imagelens.engine.local.layout import Box, reading_order
from imagelens.engine.local.scripts.tesseract import TesseractReader

# ISO 639-1 code -> Tesseract language, for the scripts PP-OCR cannot read.
TESSERACT_LANGS = {
    "ru": "rus",
    "el": "ell",
    "ar": "ara",
    "he": "heb",
    "hi": "hin",
    "th": "tha",
    "ko": "kor",
}
# Probed besides them: a win for these leaves PP-OCR's reading (it reads them better).
_NATIVE_PROBES = ("eng", "jpn")
# Tesseract's Thai model is confident on anything (0.79 on English, 0.82 on Hebrew).
_BIAS = {"tha": -0.12}

# Letters of scripts PP-OCR does not read: one in its answer means it saw such a script.
_FOREIGN = re.compile(
    "[\u0370-\u03ff\u1f00-\u1fff"  # Greek
    "\u0400-\u052f"  # Cyrillic
    "\u0590-\u05ff"  # Hebrew
    "\u0600-\u06ff\u0750-\u077f"  # Arabic
    "\u0900-\u097f"  # Devanagari
    "\u0e00-\u0e7f"  # Thai
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]"  # Hangul
)
# Below this, PP-OCR's reading of a line is unsure.
_SURE = 0.9
# A read letter covers at most this many box heights of width (Latin ~0.5, CJK ~1).
_CHAR_WIDTH = 1.6
# Boxes on one line closer than this many text heights are one run of text.
_WORD_GAP = 1.5
# Runs smaller than this (pixels) or squarer than this are specks, not lines of text.
_MIN_HEIGHT = 8
_MIN_ASPECT = 1.2
# A run worth probing is text-shaped: at least this many heights wide (a short word in a
# foreign script is ~2-3; the texture PP-OCR boxes on photos is ~1.1-1.4: fur, foam, hair)...
_PROBE_ASPECT = 2.5
# ...and, without foreign letters in PP-OCR's reading, a line rather than a speck: this many
# heights wide and this many pixels (a whole Arabic or Korean line reads as nothing at all).
_LONG_ASPECT = 4.0
_LONG_WIDTH = 96
# Lines probed per image, longest first.
_PROBED = 2
# A probe's winner less sure than this is probed again as raw lines (the right language
# usually leads at 0.8-0.95).
_PROBE_SURE = 0.6


def suspect(box: Box) -> bool:
    """Whether PP-OCR's reading of ``box`` misses what the box holds."""
    text = box.text.strip()
    letters = sum(ch.isalnum() for ch in text)
    width, height = box.x1 - box.x0, max(box.y1 - box.y0, 1.0)
    return (
        box.confidence < _SURE
        or _FOREIGN.search(text) is not None
        or letters * _CHAR_WIDTH * height < width * 0.8  # far more ink than letters read
        or "   " in text  # the gaps where letters it does not know were
    )


def runs(boxes: Sequence[Box]) -> list[list[Box]]:
    """The boxes as runs of neighbouring boxes on one line, left to right."""
    out: list[list[Box]] = []
    for line in reading_order(list(boxes)):
        run = [line[0]]
        for box in line[1:]:
            prev = run[-1]
            height = max(prev.y1 - prev.y0, box.y1 - box.y0)
            if box.x0 - prev.x1 > _WORD_GAP * height:
                out.append(run)
                run = []
            run.append(box)
        out.append(run)
    return out


def extent(run: Sequence[Box]) -> tuple[int, int, int, int]:
    """The run's detector boxes together, in whole pixels."""
    return (
        int(min(b.x0 for b in run)),
        int(min(b.y0 for b in run)),
        int(np.ceil(max(b.x1 for b in run))),
        int(np.ceil(max(b.y1 for b in run))),
    )


def is_line(run: Sequence[Box]) -> bool:
    x0, y0, x1, y1 = extent(run)
    return y1 - y0 >= _MIN_HEIGHT and (x1 - x0) >= _MIN_ASPECT * (y1 - y0)


def worth_probing(run: Sequence[Box]) -> bool:
    """Whether a suspect run looks enough like a line of text in another script to pay for a
    probe (9 Tesseract reads): on photos the suspect boxes are mostly texture, squarish or
    small, with a symbol or nothing read; a line of text is long, or PP-OCR saw foreign
    letters in it."""
    if not is_line(run):
        return False
    x0, y0, x1, y1 = extent(run)
    width, height = x1 - x0, max(y1 - y0, 1)
    if width < _PROBE_ASPECT * height:
        return False
    if any(_FOREIGN.search(b.text) for b in run):
        return True
    return width >= _LONG_ASPECT * height and width >= _LONG_WIDTH


def probe(reader: TesseractReader, crops: Sequence[np.ndarray]) -> str | None:
    """The Tesseract language of the longest ``crops``; None when PP-OCR's own scripts (or
    nothing) win. Read as single lines first; when no language reads them surely (in
    perspective, single-line mode read an Arabic line as nothing in every language, and a
    Hindi misreading won), read again as raw lines and the surer winner kept."""
    longest = sorted(crops, key=lambda c: c.shape[1], reverse=True)[:_PROBED]
    if not longest:
        return None
    scores = _scores(reader, longest, raw=False)
    if not scores:
        return None
    if max(scores.values()) < _PROBE_SURE:
        raw = _scores(reader, longest, raw=True)
        if max(raw.values()) > max(scores.values()):
            scores = raw
    best = max(scores, key=lambda lang: scores[lang])
    return None if best in _NATIVE_PROBES else best


def _scores(reader: TesseractReader, crops: Sequence[np.ndarray], *, raw: bool) -> dict[str, float]:
    """Each installed language's confidence on ``crops``, weighted by their widths."""
    scores: dict[str, float] = {}
    for lang in (*_NATIVE_PROBES, *TESSERACT_LANGS.values()):
        if not reader.installed(lang):
            continue
        total = 0.0
        for crop in crops:
            total += reader.read_line(crop, lang, raw=raw).confidence * crop.shape[1]
        scores[lang] = total / sum(c.shape[1] for c in crops) + _BIAS.get(lang, 0.0)
    return scores
