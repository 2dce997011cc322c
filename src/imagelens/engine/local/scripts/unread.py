"""RapidOCR that keeps the boxes its recogniser could not read at all.

RapidOCR drops a detected box whose reading is empty; for a whole Arabic or Korean line that
is every box, and nothing would be left to re-read. Here such a reading becomes
:data:`UNREAD` with confidence 0, so the box reaches :func:`scripts.reread` (which drops it
when no other recogniser reads it either)."""

from __future__ import annotations

from typing import Any

from rapidocr import RapidOCR

UNREAD = "\ufffd"


class KeepUnread(RapidOCR):  # type: ignore[misc]  # rapidocr ships no type information
    """:class:`rapidocr.RapidOCR`, keeping empty readings as :data:`UNREAD`."""

    def recognize_txt(self, img: list[Any]) -> Any:
        out = super().recognize_txt(img)
        if out.txts is not None and out.scores is not None:
            txts = tuple(t if str(t).strip() else UNREAD for t in out.txts)
            out.scores = tuple(
                0.0 if t == UNREAD else s for t, s in zip(txts, out.scores, strict=True)
            )
            out.txts = txts
        return out
