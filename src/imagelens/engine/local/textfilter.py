"""Phantom text: what the OCR reads off textures (windows, fruit, bread, fabric) is dropped.

The detector proposes text-like strokes everywhere; on a photo without text the recogniser
then returns one or two characters (often CJK, from the multilingual model) or punctuation,
with middling confidence. Real text on photos (signs, packaging, plates) comes as longer
boxes, or as short ones with very high confidence, or next to other real text. The rules
are written here because they depend on the recogniser's behaviour, not on a general problem
a library solves.
"""

from __future__ import annotations

from imagelens.engine.local.layout import Box

# A box with at most this many letters/digits is "short".
_SHORT = 2
# Short boxes alone on an image must be read at least this surely to count as text.
_SURE = 0.97
# Boxes of a few characters read less surely than this are kept only beside real text.
_FEW = 4
_UNSURE = 0.75


def _signal(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def plausible(boxes: list[Box]) -> list[Box]:
    """The boxes that are likely real text."""
    readable = [b for b in boxes if _signal(b.text)]  # punctuation and symbols alone: no
    anchored = any(_signal(b.text) > _FEW and b.confidence >= _UNSURE for b in readable)
    kept: list[Box] = []
    for box in readable:
        n = _signal(box.text)
        if n <= _SHORT and not anchored and box.confidence < _SURE:
            continue
        if n <= _FEW and not anchored and box.confidence < _UNSURE:
            continue
        kept.append(box)
    return kept
