"""The seam between the pipeline and the analyzers."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np

from imagelens.errors import AnalysisError, TimeBudgetExceeded
from imagelens.intake import DecodedImage
from imagelens.types import (
    AnalysisResult,
    Backend,
    Barcode,
    BBox,
    ColorSummary,
    ContentCategory,
    Language,
    Moderation,
    TagScore,
    TextRegion,
)


class JobInterrupted(Exception):
    """The process is stopping: the job is handed back to the queue, not failed. Not an
    ImageLensError: it never reaches a client."""


@dataclass(frozen=True, slots=True)
class Deadline:
    """A job's time budget, and its process's stop signal; the pipeline calls :meth:`check`
    between pages, frames and stages (an analyzer already running is never cut short)."""

    seconds: float
    started: float = field(default_factory=time.monotonic)
    stopping: threading.Event | None = None  # set when the process stops (graceful stop)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def check(self, where: str = "") -> None:
        """Raise JobInterrupted once the process stops, TimeBudgetExceeded once the budget
        is spent; ``where`` says what was about to start (e.g. "page 7 of 50")."""
        if self.stopping is not None and self.stopping.is_set():
            raise JobInterrupted(where)
        elapsed = self.elapsed
        if elapsed > self.seconds:
            at = f" before {where}" if where else ""
            raise TimeBudgetExceeded(
                f"The analysis was stopped after {elapsed:.1f} s{at}: over the time budget of "
                f"{self.seconds:g} s per job (IMAGELENS_JOBS__MAX_SECONDS). Nothing was kept; "
                "split the file or raise the budget.",
                details={"elapsed_s": round(elapsed, 1), "max_seconds": self.seconds},
            )


def check_deadline(deadline: Deadline | None, where: str = "") -> None:
    """:meth:`Deadline.check` when there is a deadline (jobs have one, direct calls not)."""
    if deadline is not None:
        deadline.check(where)


@dataclass(frozen=True, slots=True)
class FoundFace:
    """One face the faces analyzer found."""

    bbox: BBox  # normalised to the upright image, page or frame
    confidence: float
    # The 150x150x3 uint8 chip aligned on dlib's 5 landmarks: what recognition embeds.
    # Memory only: a face picture is never stored.
    chip: np.ndarray | None = field(default=None, compare=False, repr=False)
    page: int | None = None  # a PDF's page (from 1)
    time_s: float | None = None  # a video's key frame time


@dataclass(frozen=True, slots=True)
class FaceOutput:
    faces: list[FoundFace]


@dataclass(frozen=True, slots=True)
class PersonRef:
    person_id: str
    name: str | None


class PeopleHook(Protocol):
    """Called by the pipeline after the analyzers, before the description: who the faces
    are (one answer per face, None for a face it does not place)."""

    def recognize(self, faces: Sequence[FoundFace]) -> Sequence[PersonRef | None]: ...


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """What a caller asks of one analysis."""

    category: ContentCategory = ContentCategory.GENERAL
    lang: Language = Language.EN
    # Names of the analyzers to run; None runs every registered one.
    analyzers: frozenset[str] | None = None
    # Who answers (local, vlm or hybrid); the user's prompt; a custom schema for `extracted`
    # and its hint.
    backend: Backend = Backend.LOCAL
    prompt: str | None = None
    custom_schema: Mapping[str, Any] | None = None
    custom_hint: str | None = None
    # When the job must stop (its time budget); None: no limit (direct engine calls, tests).
    deadline: Deadline | None = None
    # Who the faces are (a tenant that opted in to recognition); None: faces stay unnamed.
    people: PeopleHook | None = None
    # Languages the text is in (ISO 639-1, types.OCR_LANGUAGES); () lets the OCR detect them.
    ocr_languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OcrOutput:
    visible_text: str | None
    regions: list[TextRegion]


@dataclass(frozen=True, slots=True)
class BarcodeOutput:
    codes: list[Barcode]  # top to bottom


@dataclass(frozen=True, slots=True)
class TagOutput:
    labels: list[TagScore]  # model classes, most confident first
    concepts: list[TagScore]  # general concepts (cat -> animal), most confident first
    # The tagger's pooled penultimate features (1280 floats, not normalised): the image's
    # visual embedding, a by-product of the same forward pass. None where tags were merged.
    features: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Signals:
    """What the analyzers found; a field stays None when its analyzer did not run."""

    ocr: OcrOutput | None = None
    tags: TagOutput | None = None
    moderation: Moderation | None = None
    colors: ColorSummary | None = None
    faces: FaceOutput | None = None
    barcodes: BarcodeOutput | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, object]) -> Signals:
        """Gather analyzer outputs by name, checking each has the type its field expects."""
        return cls(
            ocr=_typed(outputs, "ocr", OcrOutput),
            tags=_typed(outputs, "tags", TagOutput),
            moderation=_typed(outputs, "moderation", Moderation),
            colors=_typed(outputs, "colors", ColorSummary),
            faces=_typed(outputs, "faces", FaceOutput),
            barcodes=_typed(outputs, "barcodes", BarcodeOutput),
            extra={k: v for k, v in outputs.items() if k not in _SIGNAL_FIELDS},
        )


_SIGNAL_FIELDS = frozenset({"ocr", "tags", "moderation", "colors", "faces", "barcodes"})
_T = TypeVar("_T")


def _typed(outputs: Mapping[str, object], name: str, kind: type[_T]) -> _T | None:
    value = outputs.get(name)
    if value is None or isinstance(value, kind):
        return value
    raise AnalysisError(
        f"The {name} analyzer returned {type(value).__name__}, expected {kind.__name__}."
    )


@dataclass(frozen=True, slots=True)
class Analysis:
    """An analysis and the image's visual embedding (the tagger's features of the image, its
    first page or its middle key frame; None when the tagger did not run)."""

    result: AnalysisResult
    visual: np.ndarray | None = field(default=None, compare=False, repr=False)


@runtime_checkable
class Analyzer(Protocol):
    """One independent look at an image. ``name`` is also the :class:`Signals` field it fills."""

    name: str

    @property
    def version(self) -> str:
        """Model and runtime version, recorded with each result."""
        ...

    def load(self) -> None:
        """Load the model now (idempotent); :meth:`run` loads it on first use otherwise."""
        ...

    def run(self, image: DecodedImage) -> object:
        """Analyse ``image`` (blocking: the pipeline calls it from a worker thread)."""
        ...


@runtime_checkable
class ReadsText(Protocol):
    """An analyzer that can be told which languages its text is in (the OCR). A protocol of
    its own, so :class:`Analyzer` stays ``run(image)`` for everything else and the pipeline
    passes the hint only where it means something."""

    def read(self, image: DecodedImage, *, languages: Sequence[str]) -> object:
        """:meth:`Analyzer.run` with the languages (ISO 639-1) to expect."""
        ...
