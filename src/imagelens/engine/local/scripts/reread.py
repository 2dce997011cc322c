"""Re-read, with Tesseract, the lines PP-OCR could not read; the one call the OCR makes."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from imagelens.engine.local.layout import Box
from imagelens.engine.local.scripts.detect import (
    TESSERACT_LANGS,
    extent,
    is_line,
    probe,
    runs,
    suspect,
    worth_probing,
)
from imagelens.engine.local.scripts.tesseract import TesseractReader

# Hinted languages in Latin letters: Tesseract reads them with its English model beside the
# hinted script (product codes on a Russian receipt).
_LATIN = frozenset({"en", "de", "es", "fr", "it", "nl", "pt", "fi", "tr", "pl"})
# How much less sure than PP-OCR's reading Tesseract's may be and still replace it. At 0.1
# a Russian receipt's "Молоко 3,2% ..." (Tesseract 0.86) stayed PP-OCR's "Moo 3,2% ..." (0.961)
# when the detector's box was 4 px shorter: look-alike Latin is read surely.
_RIVAL_MARGIN = 0.15
# Tesseract's reading of a run PP-OCR could not read is kept this much below the OCR's
# floor (ocr_min_confidence; 0.5 -> 0.35): its mean word confidence runs lower on right text
# (a turned Arabic line read letter for letter at 0.44). Other runs keep the floor.
_TESSERACT_SLACK = 0.15
# Margin around a run's detector boxes, in text heights: the boxes clip accents and tails.
_MARGIN = 0.15
# A run turned by less than this (degrees) is cut square; by more than this it is not a
# line turned on the page (vertical text, a detector's odd quad) and is cut square too.
_LEVEL = 0.5
_TURNED = 20.0


def reread(
    bgr: np.ndarray,
    boxes: Sequence[Box],
    *,
    reader: TesseractReader,
    min_confidence: float,
    languages: Sequence[str] = (),
) -> list[Box]:
    """``boxes`` (PP-OCR's, unfiltered) with the runs in other scripts read again, then the
    empty and unsure readings dropped.

    ``languages`` (ISO 639-1 codes) overrides detection: naming a script only Tesseract reads,
    every line is read in the named languages; naming only PP-OCR's scripts (Latin, Chinese,
    Japanese), nothing is read again. A re-read run becomes one box over its detector boxes,
    its text in Unicode logical order (right-to-left text too)."""
    out = list(boxes)
    read_again: set[int] = set()
    if reader.available and out:
        out, read_again = _reread(bgr, out, reader, min_confidence, languages)
    return [
        b for b in out if b.text.strip() and (b.confidence >= min_confidence or id(b) in read_again)
    ]


def _reread(
    bgr: np.ndarray,
    boxes: list[Box],
    reader: TesseractReader,
    min_confidence: float,
    languages: Sequence[str],
) -> tuple[list[Box], set[int]]:
    """The boxes with runs re-read, and the ids of the re-read boxes (Tesseract's, whose
    floor was applied here)."""
    lines = [run for run in runs(boxes) if is_line(run)]
    # Only text-shaped runs are probed: texture on photos is suspect too, and must not cost
    # the probe's 9 reads per run (a photo with no foreign text pays nothing).
    unsure = [run for run in lines if any(suspect(b) for b in run) and worth_probing(run)]
    unsure_ids = {id(run[0]) for run in unsure}
    if languages:
        hinted = [TESSERACT_LANGS[c] for c in languages if c in TESSERACT_LANGS]
        if not hinted:
            return boxes, set()
        if any(c in _LATIN for c in languages):
            hinted.append("eng")
        lang = "+".join(hinted)
        chosen = lines
        rival = {id(run[0]): 0.0 for run in lines}
    else:
        winner = probe(reader, [_crop(bgr, run) for run in unsure])
        if winner is None:
            return boxes, set()
        # The winner alone: beside eng, Tesseract reads "κόσμε" as "KOOHE" and blurred
        # Arabic words as Latin; each model reads digits and Latin product codes well enough.
        lang = winner
        # On an image in that script, a line PP-OCR read surely may still be look-alike
        # letters ("Moo" for "Молоко"): the winner's reading replaces it when about as sure.
        chosen = lines
        rival = {
            id(run[0]): 0.0 if id(run[0]) in unsure_ids else _mean_confidence(run) - _RIVAL_MARGIN
            for run in lines
        }
    if not reader.installed(lang):
        return boxes, set()
    replaced: dict[int, Box | None] = {}
    for run in chosen:
        read = reader.read_line(_crop(bgr, run), lang, retry_raw=True)
        floor = min_confidence - (_TESSERACT_SLACK if id(run[0]) in unsure_ids else 0.0)
        if not read.text or read.confidence < max(floor, rival[id(run[0])]):
            continue
        x0, y0, x1, y1 = extent(run)
        merged = Box(read.text, read.confidence, x0, y0, x1, y1)
        replaced[id(run[0])] = merged
        replaced.update({id(b): None for b in run[1:]})
    out: list[Box] = []
    for box in boxes:
        new = replaced.get(id(box), box)
        if new is not None:
            out.append(new)
    return out, {id(b) for b in replaced.values() if b is not None}


def _mean_confidence(run: Sequence[Box]) -> float:
    return sum(b.confidence for b in run) / len(run)


def _crop(bgr: np.ndarray, run: Sequence[Box]) -> np.ndarray:
    """The run's lines, with a margin, in grey; turned upright when the detector's quads say
    the line is turned. Only the crop is converted: the whole page in float took 45-200 ms on
    an A4 page at 300 dpi, for every page, probed or not."""
    piece = _upright(bgr, run)
    if piece is None:
        x0, y0, x1, y1 = extent(run)
        margin = round(_MARGIN * (y1 - y0))
        h, w = bgr.shape[:2]
        piece = bgr[
            max(0, y0 - margin) : min(h, y1 + margin), max(0, x0 - margin) : min(w, x1 + margin)
        ]
    if piece.size == 0:  # a box off the image: nothing to read (cvtColor refuses it)
        return np.zeros((0, 0), np.uint8)
    return cv2.cvtColor(np.ascontiguousarray(piece), cv2.COLOR_BGR2GRAY)


def _upright(bgr: np.ndarray, run: Sequence[Box]) -> np.ndarray | None:
    """The run cut out along its quads' slope, turned level; None (cut it square) when it
    has no quads, is level already, is turned by more than a line on a page is, or its cut
    would reach past the image by more than its margin could. The box of a line
    turned by 2 degrees is a text height taller than the line: cut square, it took in pieces
    of the lines above and below, and Tesseract read a 22 px Russian line's first words as
    "ВИ —" or an Arabic line as nothing."""
    if not all(b.quad for b in run):
        return None
    quads = np.array([b.quad for b in run], dtype=np.float32)  # (boxes, 4, 2)
    along = (quads[:, 1] - quads[:, 0] + quads[:, 2] - quads[:, 3]).sum(axis=0)
    angle = float(np.degrees(np.arctan2(along[1], along[0])))
    if abs(angle) < _LEVEL or abs(angle) > _TURNED:
        return None
    points = quads.reshape(-1, 2)
    centre = points.mean(axis=0)
    turn = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, 1.0)
    level = points @ turn[:, :2].T + turn[:, 2]
    (x0, y0), (x1, y1) = level.min(axis=0), level.max(axis=0)
    margin = _MARGIN * (y1 - y0)
    x0, y0, x1, y1 = x0 - margin, y0 - margin, x1 + margin, y1 + margin
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    back = cv2.invertAffineTransform(turn)
    seen = corners @ back[:, :2].T + back[:, 2]
    h, w = bgr.shape[:2]
    past = max(-seen.min(), seen[:, 0].max() - (w - 1), seen[:, 1].max() - (h - 1))
    # Corners turned back reach out by up to the margin times (cos + sin) of the turn.
    if past > 2 * margin:  # the line itself, not only its margin, would be made up
        return None
    turn[:, 2] -= (x0, y0)
    size = (max(1, round(x1 - x0)), max(1, round(y1 - y0)))
    # Past the image (a line at its edge), the margin repeats the edge's pixels.
    return cv2.warpAffine(bgr, turn, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
