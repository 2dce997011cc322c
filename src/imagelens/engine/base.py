"""The seam between the pipeline and the analyzers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from imagelens.errors import AnalysisError
from imagelens.intake import DecodedImage
from imagelens.types import (
    Backend,
    ColorSummary,
    ContentCategory,
    Language,
    Moderation,
    TagScore,
    TextRegion,
)


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


@dataclass(frozen=True, slots=True)
class OcrOutput:
    visible_text: str | None
    regions: list[TextRegion]


@dataclass(frozen=True, slots=True)
class TagOutput:
    labels: list[TagScore]  # model classes, most confident first
    concepts: list[TagScore]  # general concepts (cat -> animal), most confident first


@dataclass(frozen=True, slots=True)
class Signals:
    """What the analyzers found; a field stays None when its analyzer did not run."""

    ocr: OcrOutput | None = None
    tags: TagOutput | None = None
    moderation: Moderation | None = None
    colors: ColorSummary | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, object]) -> Signals:
        """Gather analyzer outputs by name, checking each has the type its field expects."""
        return cls(
            ocr=_typed(outputs, "ocr", OcrOutput),
            tags=_typed(outputs, "tags", TagOutput),
            moderation=_typed(outputs, "moderation", Moderation),
            colors=_typed(outputs, "colors", ColorSummary),
            extra={k: v for k, v in outputs.items() if k not in _SIGNAL_FIELDS},
        )


_SIGNAL_FIELDS = frozenset({"ocr", "tags", "moderation", "colors"})
_T = TypeVar("_T")


def _typed(outputs: Mapping[str, object], name: str, kind: type[_T]) -> _T | None:
    value = outputs.get(name)
    if value is None or isinstance(value, kind):
        return value
    raise AnalysisError(
        f"The {name} analyzer returned {type(value).__name__}, expected {kind.__name__}."
    )


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
