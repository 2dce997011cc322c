"""Re-reading a line's doubtful words instead of the whole line: which words, the window of
the line the second recogniser reads, and the line put back together.

Both recognisers say where each character lies (``Reading.at``: CTC steps are columns of the
line). A doubtful word is one with a character the first recogniser was unsure of; next
doubtful words make one span, bounded by the spaces the first recogniser read around them.
The second recogniser reads the span with some of the line on each side (it reads a lone
"x" better beside "2" and "Milk"), and only the characters it places inside the span are
kept. Written here: no OCR library re-reads parts of a line.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from imagelens.engine.local.ocr.recognise import Reading

# A window reaches this many line heights past its span at each end, and is at least
# ``_MIN_WINDOW`` line heights long: the second recogniser misread one-letter words cut out
# alone ("x" as "X" in "2 x Milk").
_MARGIN = 0.5
_MIN_WINDOW = 4.0
# A stretch this many line heights long without a character: something was not read.
_UNREAD = 2.0


@dataclass(frozen=True, slots=True)
class Span:
    """Where a line's doubtful words lie, in the line crop's pixels: after the space at
    ``after`` and before the space at ``before`` (None: the line's start or end)."""

    after: float | None
    before: float | None
    # How far the second reading's own space may lie from ``after``/``before`` and still
    # be taken as that end (one character's pitch): its words, not the first's, are cut.
    slack: float = 0.0

    def holds(self, x: float) -> bool:
        return (self.after is None or x > self.after) and (self.before is None or x < self.before)

    def snapped(self, spaces: list[float], letters: list[float]) -> Span:
        """This span widened to the nearest of ``spaces`` (the second reading's) within the
        slack of each end, never past one of ``letters`` (the first reading's characters
        outside the span, which it keeps). Only widened: narrowed, the characters between
        would be dropped from both readings."""

        def snap(end: float | None, outward: int) -> float | None:
            if end is None:
                return None
            near = [
                x
                for x in spaces
                if 0 <= (x - end) * outward <= self.slack
                and not any(min(x, end) < c < max(x, end) for c in letters)
            ]
            return min(near, key=lambda x: abs(x - end)) if near else end

        return Span(snap(self.after, -1), snap(self.before, 1), self.slack)


def doubtful_spans(reading: Reading, size: tuple[int, int], *, below: float) -> list[Span] | None:
    """The spans of ``reading`` (of a line crop of ``size``: height, width) whose words hold
    a character less sure than ``below``; None when the whole line is better read again (no
    positions, a stretch read as nothing, no such word, two words or fewer, or every word
    doubtful)."""
    if not _placed(reading) or _unread(reading.at, size):
        return None
    words: list[list[int]] = [[]]  # character indices, one list per word
    for k, char in enumerate(reading.text):
        if char == " ":
            words.append([])
        else:
            words[-1].append(k)
    words = [w for w in words if w]
    bad = [n for n, word in enumerate(words) if min(reading.lows[k] for k in word) < below]
    if not bad or len(words) <= 2 or len(bad) == len(words):
        return None
    runs: list[list[int]] = []  # [first, last] word of next doubtful words
    for n in bad:
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    spaces = [x for x, char in zip(reading.at, reading.text, strict=True) if char == " "]
    pitch = (reading.at[-1] - reading.at[0]) / max(1, len(reading.at) - 1)
    spans = []
    for first, last in runs:
        start, end = reading.at[words[first][0]], reading.at[words[last][-1]]
        spans.append(
            Span(
                after=max((x for x in spaces if x < start), default=None),
                before=min((x for x in spaces if x > end), default=None),
                slack=pitch,
            )
        )
    return spans


def window(crop: np.ndarray, span: Span) -> tuple[np.ndarray, int]:
    """The part of ``crop`` the second recogniser reads for ``span``, and its left edge."""
    height, width = crop.shape[:2]
    # A place past the crop's end (a step in a padded batch's padding) counts as its end.
    start = 0.0 if span.after is None else min(span.after, float(width))
    end = float(width) if span.before is None else min(span.before, float(width))
    pad = max(_MARGIN * height, (_MIN_WINDOW * height - (end - start)) / 2)
    left = max(0, min(int(start - pad), width - 1))
    right = max(left + 1, min(width, math.ceil(end + pad)))
    return crop[:, left:right], left


def splice(first: Reading, parts: list[tuple[Span, Reading, int]]) -> Reading | None:
    """``first`` with each span's words replaced by those the second reading (of a window
    starting at the given x) placed inside the span, each side cut at its own spaces (the
    second reading's within a character's pitch of the first's). None when the second
    reading holds under half the first's characters in a span: a script the second
    recogniser lacks too ("Привет" read as "∏pBeT" by one and as nothing by the other), or a
    bad cut; the whole line is read again then."""
    chars = list(zip(first.text, first.probs, first.at, first.lows, strict=True))
    for span, again, left in parts:
        if not _placed(again):
            return None
        theirs = list(
            zip(again.text, again.probs, [x + left for x in again.at], again.lows, strict=True)
        )
        cut_at = span.snapped(
            [c[2] for c in theirs if c[0] == " "],
            [c[2] for c in chars if c[0] != " " and not span.holds(c[2])],
        )
        inside = [c for c in theirs if cut_at.holds(c[2])]
        while inside and inside[0][0] == " ":
            inside.pop(0)
        while inside and inside[-1][0] == " ":
            inside.pop()
        ours = sum(1 for c in chars if span.holds(c[2]) and c[0] != " ")
        if 2 * sum(1 for c in inside if c[0] != " ") < ours:
            return None
        # The first reading's characters outside the span, with its spaces at the span's
        # ends: one space each side of the new words.
        kept = [c for c in chars if not span.holds(c[2])]
        cut = next(
            (n for n, c in enumerate(kept) if span.before is not None and c[2] >= span.before),
            len(kept),
        )
        chars = kept[:cut] + inside + kept[cut:]
    # One space between words, whichever reading each side of a span's end came from.
    chars = [c for n, c in enumerate(chars) if not (c[0] == " " and n and chars[n - 1][0] == " ")]
    return Reading(
        text="".join(c[0] for c in chars),
        probs=tuple(c[1] for c in chars),
        at=tuple(c[2] for c in chars),
        lows=tuple(c[3] for c in chars),
    )


def _unread(at: tuple[float, ...], size: tuple[int, int]) -> bool:
    """Whether some stretch of the line, ``_UNREAD`` heights long, holds no character: a
    word in a script the recogniser lacks reads as nothing ("Привет, мир!" as ", !"), and
    only the whole line's low confidence sends it on to the other scripts' readers."""
    height, width = size
    edges = [0.0, *at, float(width)]
    return max(b - a for a, b in itertools.pairwise(edges)) > _UNREAD * height


def _placed(reading: Reading) -> bool:
    """Whether ``reading`` says where each of its characters is (and how sure each was)."""
    n = len(reading.text)
    return n > 0 and len(reading.probs) == len(reading.at) == len(reading.lows) == n
