"""Two recognisers in a cascade: the tiny one reads every line, the small one re-reads the
lines the tiny one was unsure of.

Measured on the benchmark's pages and receipts, clean and degraded (blur, noise, JPEG, skew,
downscaling; /benchmarks/engine.py), recognition only, 2 cores: the tiny recogniser is ~4x
faster per line than the small one; alone it matches the small one on clean renders but reads
harsh scans much worse (character error 0.149 against 0.099 on the degraded set). Re-reading
lines whose mean character probability is below the threshold:

    threshold   clean: error / time   degraded: error / time   (time: of the small one's)
    0.90               0.0018 / 0.29            0.104 / 0.62
    0.93               0.0012 / 0.30            0.100 / 0.68
    0.95               0.0004 / 0.34            0.099 / 0.72
    0.97               0.0003 / 0.45            0.099 / 0.83
    small alone        0.0005 / 1.00            0.099 / 1.00

The error stops falling at 0.95 on average, but 0.95 still let confident tiny misreads through
on the long receipt (0.0024 against 0 for the small one; both at 0.97) and read a photo label's
"2.50" as "250"; 0.97 still dropped the space between short tokens ("0 5 km" as "05 km" at
0.9715 on a map's scale bar, "GATE 7" as "GATE7"): 0.98 is the default
(``EngineSettings.ocr_recheck_below``). A line's lowest character probability as the rule did
worse at every cost.

Of a doubtful line, only the words holding a character the tiny recogniser gave less than
0.95 (over all its CTC steps: a doubled letter read once shows there) are re-read, in windows
of the line (ocr/splice.py; ``EngineSettings.ocr_recheck_word_below``). Measured in one
process against re-reading whole lines, whole OCR: 18 renders degraded three ways (blur +
JPEG 30, noise, downscaled + turned 1.2 degrees) and 3 degraded scans, mean character error
0.0017 -> 0.0015 in 0.86x the time (scans 0.83x); 6 harshly degraded renders 0.0117 ->
0.0109 in 0.93x; the error of single pages moved both ways by one to three characters (a
re-read word lacks the line around it: "Milk" read "Mlk" once).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from imagelens.engine.local.ocr.recognise import Reading, Recogniser
from imagelens.engine.local.ocr.splice import Span, doubtful_spans, splice, window

# A line of a drawn image read at least this surely, in plain ASCII, keeps its doubtful words
# (Cascade.read). A line in another script read as look-alike Latin ("Привет" as "∏pBeT",
# Greek with its accents) came in at 0.87-0.93 with letters outside ASCII: read in windows,
# the small recogniser reads much less there, the line is read again whole, and that reading
# sends it to Tesseract (scripts/reread.py). Of 120 such lines on clean renders, 5% were under
# 0.95.
_DRAWN_SURE = 0.95


class Cascade:
    """Reads lines with ``first``; of a line it reads with mean confidence below
    ``recheck_below``, ``second`` re-reads the words holding a character less sure than
    ``word_below`` (ocr/splice.py), or the whole line (every word or none of them such,
    two words or fewer, a stretch read as nothing, no places for its characters, windows
    as long as the line, or a window the second recogniser read much less in). On an image
    drawn by software a sure line in ASCII keeps its doubtful words (``read``)."""

    def __init__(
        self,
        first: Recogniser,
        second: Recogniser,
        *,
        recheck_below: float,
        word_below: float,
    ) -> None:
        self.first = first
        self.second = second
        self.recheck_below = recheck_below
        self.word_below = word_below

    def read(
        self, crops: list[np.ndarray], *, rendered: Callable[[], bool] | None = None
    ) -> list[Reading]:
        """A reading per crop, in order. ``rendered``, asked only when a line has doubtful
        words to read again in windows, says the image was drawn by software: then the
        words of a line in plain ASCII read at ``_DRAWN_SURE`` or more are not read again
        (the first reading stays; lines read again whole still are). On 21 rendered pages,
        screens and receipts, sharp and JPEG'd down to quality 30, the second recogniser read
        such words exactly as the first in all of 179 lines; on scans and photographed pages
        it changed 15-30% of them."""
        readings = self.first.read(crops)
        whole: list[int] = []
        parts: list[tuple[int, Span, np.ndarray, int]] = []  # line, span, window, its left
        drawn: bool | None = None
        for i, reading in enumerate(readings):
            if reading.confidence >= self.recheck_below:
                continue
            spans = doubtful_spans(reading, crops[i].shape[:2], below=self.word_below) or []
            cuts = [window(crops[i], span) for span in spans]
            # Windows as long as the line together cost more than the line, read alone.
            if not spans or sum(cut.shape[1] for cut, _ in cuts) >= crops[i].shape[1]:
                whole.append(i)
                continue
            if reading.confidence >= _DRAWN_SURE and reading.text.isascii():
                if drawn is None:
                    drawn = rendered is not None and rendered()
                if drawn:
                    continue
            parts.extend(
                (i, span, cut, left) for span, (cut, left) in zip(spans, cuts, strict=True)
            )
        if not whole and not parts:
            return readings
        # One call for lines and windows: the second recogniser's lanes share them out.
        again = self.second.read([crops[i] for i in whole] + [p[2] for p in parts])
        _put(readings, whole, again[: len(whole)])
        by_line: dict[int, list[tuple[Span, Reading, int]]] = {}
        for (i, span, _, left), reading in zip(parts, again[len(whole) :], strict=True):
            by_line.setdefault(i, []).append((span, reading, left))
        unspliced: list[int] = []
        for i, pieces in by_line.items():
            spliced = splice(readings[i], pieces)
            if spliced is None:
                unspliced.append(i)
            else:
                readings[i] = spliced
        if unspliced:
            _put(readings, unspliced, self.second.read([crops[i] for i in unspliced]))
        return readings


def _put(readings: list[Reading], lines: list[int], new: list[Reading]) -> None:
    """``new``'s readings in place of those of ``lines``."""
    for i, reading in zip(lines, new, strict=True):
        readings[i] = reading
