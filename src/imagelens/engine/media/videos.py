"""Reading a video through its key frames: every analyzer but colours on each frame, then
one result for the clip: tags merged with the time ranges they hold, text and barcodes with
the time they were on screen, moderation over every frame, and a summary per frame."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from imagelens.engine.base import (
    Analyzer,
    BarcodeOutput,
    Deadline,
    FaceOutput,
    OcrOutput,
    Signals,
    TagOutput,
    check_deadline,
)
from imagelens.engine.media.frames import RunAnalyzers, merge_moderation, merge_tags, run_timed
from imagelens.intake import DecodedImage
from imagelens.intake.video import KeyFrame, VideoSource
from imagelens.types import FrameSummary, Moderation, TagRange, TextRegion


@dataclass(frozen=True)
class VideoRead:
    merged: Signals  # the clip: tags, text and moderation over every key frame
    shown: Signals  # the frame standing for the clip (its middle key frame)
    frames: list[FrameSummary]
    tag_ranges: list[TagRange]
    timings: dict[str, float]


def read_video(
    source: VideoSource,
    shown: DecodedImage,
    analyzers: Sequence[Analyzer],
    run: RunAnalyzers,
    deadline: Deadline | None = None,
) -> VideoRead:
    """Every key frame in order; ``deadline`` is checked before each one."""
    timings: dict[str, float] = {}
    per_frame: list[Signals] = []
    for number, frame in enumerate(source.frames, start=1):
        check_deadline(deadline, f"key frame {number} of {len(source.frames)}")
        picture = dataclasses.replace(shown, image=frame.image, video=None)
        outputs = run_timed(run, analyzers, picture, timings)
        found = Signals.from_outputs(outputs)
        if found.faces is not None:  # each face with its frame's time
            timed = [dataclasses.replace(f, time_s=frame.time_s) for f in found.faces.faces]
            found = dataclasses.replace(found, faces=FaceOutput(timed))
        per_frame.append(found)
    end = source.info.duration_s or source.frames[-1].time_s
    merged = Signals(
        ocr=_text(source.frames, per_frame),
        tags=_tags(per_frame),
        moderation=merge_moderation([s.moderation for s in per_frame if s.moderation]),
        faces=_faces(per_frame),
        barcodes=_codes(source.frames, per_frame),
    )
    return VideoRead(
        merged=merged,
        shown=per_frame[len(per_frame) // 2],
        frames=[_summary(f, s) for f, s in zip(source.frames, per_frame, strict=True)],
        tag_ranges=_ranges(source.frames, per_frame, end),
        timings=timings,
    )


def _text(frames: Sequence[KeyFrame], signals: Sequence[Signals]) -> OcrOutput:
    """Every region with its frame's time; each distinct line once, first seen first."""
    regions: list[TextRegion] = []
    lines: dict[str, None] = {}
    for frame, found in zip(frames, signals, strict=True):
        if found.ocr is None:
            continue
        regions.extend(r.model_copy(update={"time_s": frame.time_s}) for r in found.ocr.regions)
        for line in (found.ocr.visible_text or "").splitlines():
            if line.strip():
                lines.setdefault(line, None)
    return OcrOutput("\n".join(lines) or None, regions)


def _faces(signals: Sequence[Signals]) -> FaceOutput | None:
    """Every key frame's faces, in time order (the same objects as the frames' own)."""
    found = [s.faces for s in signals if s.faces is not None]
    return FaceOutput([f for output in found for f in output.faces]) if found else None


def _codes(frames: Sequence[KeyFrame], signals: Sequence[Signals]) -> BarcodeOutput | None:
    """Every code with its frame's time (a code on screen for three key frames is three)."""
    if all(found.barcodes is None for found in signals):
        return None
    return BarcodeOutput(
        [
            code.model_copy(update={"time_s": frame.time_s})
            for frame, found in zip(frames, signals, strict=True)
            for code in (found.barcodes.codes if found.barcodes else [])
        ]
    )


def _tags(signals: Sequence[Signals]) -> TagOutput | None:
    found = [s.tags for s in signals if s.tags is not None]
    if not found:
        return None
    return TagOutput(
        labels=merge_tags([t.labels for t in found]),
        concepts=merge_tags([t.concepts for t in found]),
    )


def _names(signals: Signals) -> list[str]:
    if signals.tags is None:
        return []
    return [t.name for t in (*signals.tags.labels, *signals.tags.concepts)]


def _summary(frame: KeyFrame, signals: Signals) -> FrameSummary:
    moderation: Moderation | None = signals.moderation
    return FrameSummary(
        time_s=frame.time_s,
        tags=_names(signals)[:5],
        visible_text=signals.ocr.visible_text if signals.ocr else None,
        flagged=bool(moderation and moderation.flagged),
    )


def _ranges(frames: Sequence[KeyFrame], signals: Sequence[Signals], end: float) -> list[TagRange]:
    """A tag holds from the key frame it appears in until the next key frame without it (or
    the end of the clip); a tag that comes back gets another range."""
    ranges: list[TagRange] = []
    open_at: dict[str, tuple[float, float]] = {}  # tag -> (start, best confidence)
    for i, found in enumerate(signals):
        here: dict[str, float] = {}
        if found.tags is not None:
            for tag in (*found.tags.labels, *found.tags.concepts):
                here[tag.name] = max(here.get(tag.name, 0.0), tag.confidence)
        now = frames[i].time_s
        for name in [n for n in open_at if n not in here]:
            start, confidence = open_at.pop(name)
            ranges.append(TagRange(name=name, start_s=start, end_s=now, confidence=confidence))
        for name, confidence in here.items():
            start, best = open_at.get(name, (now, 0.0))
            open_at[name] = (start, max(best, confidence))
    for name, (start, confidence) in open_at.items():
        ranges.append(
            TagRange(name=name, start_s=start, end_s=round(end, 3), confidence=confidence)
        )
    return sorted(ranges, key=lambda r: (r.start_s, -r.confidence))
