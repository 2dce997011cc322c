"""RapidOCR that keeps the boxes its recogniser could not read at all.

RapidOCR drops a detected box whose reading is empty; for a whole Arabic or Korean line that
is every box, and nothing would be left to re-read. Here such a reading becomes
:data:`UNREAD` with confidence 0, so the box reaches :func:`scripts.reread` (which drops it
when no other recogniser reads it either)."""

from __future__ import annotations

from typing import Any

from rapidocr import RapidOCR

UNREAD = "\ufffd"


class KeepUnread(RapidOCR):
    """:class:`rapidocr.RapidOCR`, keeping empty readings as :data:`UNREAD`."""

    def recognize_txt(self, img: list[Any]) -> Any:
        out = super().recognize_txt(img)
        if out.txts is not None and out.scores is not None:
            txts = [t if str(t).strip() else UNREAD for t in out.txts]
            out.scores = [0.0 if t == UNREAD else s for t, s in zip(txts, out.scores, strict=True)]
            out.txts = tuple(txts)  # type: ignore[assignment]  # annotated as a 1-tuple
        return out
