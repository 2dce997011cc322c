"""What the SDK hands back: frozen dataclasses and enums with the names users of such SDKs know."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from enum import Enum
from typing import Any

from imagelens.sdk.errors import ImageLensAPIError
from imagelens.types import ContentCategory, TextRegion
from imagelens.types.api import QuotaInfo as _WireQuota
from imagelens.types.api import SearchHit as _WireHit
from imagelens.types.api import SimilarImage as _WireSimilar
from imagelens.types.api import UploadResult as _WireUpload

__all__ = [
    "BatchUploadResults",
    "ContentCategory",
    "DescriptionErrorType",
    "DescriptionFailure",
    "DescriptionResult",
    "DescriptionStatus",
    "QuotaInfo",
    "SearchHit",
    "SimilarImage",
    "UploadResult",
]


class DescriptionStatus(str, Enum):  # noqa: UP042 - str mixin keeps `== "completed"` working
    PENDING = "pending"
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"


class DescriptionErrorType(str, Enum):  # noqa: UP042
    TIMEOUT = "timeout"
    RATE_LIMIT = "rate_limit"
    VLM_ERROR = "vlm_error"
    VALIDATION_ERROR = "validation"
    RESOURCE_LIMIT = "resource_limit"
    UNKNOWN = "unknown"


_RETRYABLE = {
    DescriptionErrorType.TIMEOUT,
    DescriptionErrorType.RATE_LIMIT,
    DescriptionErrorType.VLM_ERROR,
}
# Words in an error message, checked in order, that tell its class.
_CLUES: list[tuple[tuple[str, ...], DescriptionErrorType]] = [
    (("timeout", "timed out", "took longer"), DescriptionErrorType.TIMEOUT),
    (("rate limit", "rate_limit", "too many requests", "429"), DescriptionErrorType.RATE_LIMIT),
    (
        ("quota", "credits", "too large", "over the limit", "bomb"),
        DescriptionErrorType.RESOURCE_LIMIT,
    ),
    (
        ("invalid", "unsupported", "corrupt", "truncated", "not an image", "not allowed"),
        DescriptionErrorType.VALIDATION_ERROR,
    ),
    (("vlm", "provider", "model", "analyzer", "analysis"), DescriptionErrorType.VLM_ERROR),
]


@dataclass(frozen=True)
class DescriptionFailure:
    image_id: str
    error_message: str
    error_type: DescriptionErrorType
    is_retryable: bool
    filename: str | None = None
    raw_error: str | None = None

    @staticmethod
    def classify_error(error_msg: str) -> tuple[DescriptionErrorType, bool]:
        """Classify a free-text error message; the bool says whether a retry may help."""
        text = error_msg.lower()
        for clues, kind in _CLUES:
            if any(clue in text for clue in clues):
                return kind, kind in _RETRYABLE
        return DescriptionErrorType.UNKNOWN, False

    @classmethod
    def from_error_message(
        cls, image_id: str, error_msg: str, filename: str | None = None
    ) -> DescriptionFailure:
        kind, retryable = cls.classify_error(error_msg)
        return cls(image_id, error_msg, kind, retryable, filename, error_msg)


@dataclass(frozen=True)
class UploadResult:
    image_id: str | None  # None for a file no image was stored for (refused, unreadable)
    filename: str  # the file's base name, as the server stores it
    description: str | None = None
    tags: list[str] | None = None
    visible_text: str | None = None
    text_regions: list[TextRegion] | None = None
    confidence_score: float | None = None
    description_status: DescriptionStatus = DescriptionStatus.PENDING
    thumbnail_url: str | None = None
    created_at: datetime | None = None
    description_error: str | None = None
    description_error_type: str | None = None
    description_is_retryable: bool | None = None
    deduplicated: bool | None = None
    media_type: str | None = None
    status: str | None = None
    job_id: str | None = None
    object_key: str | None = None  # the key in the tenant's own bucket (storage_target="custom")
    local_path: str | None = None  # upload_batch: the path the file was read from

    @property
    def is_failed(self) -> bool:
        return self.description_status is DescriptionStatus.FAILED

    @property
    def is_completed(self) -> bool:
        return self.description_status in (DescriptionStatus.COMPLETED, DescriptionStatus.SKIPPED)

    @property
    def is_pending(self) -> bool:
        return self.description_status in (
            DescriptionStatus.PENDING,
            DescriptionStatus.QUEUED,
            DescriptionStatus.PROCESSING,
        )

    def to_dict(self, exclude_none: bool = True) -> dict[str, object]:
        data = asdict(self)
        data["description_status"] = self.description_status.value
        if self.text_regions is not None:
            data["text_regions"] = [r.model_dump() for r in self.text_regions]
        if exclude_none:
            data = {k: v for k, v in data.items() if v is not None}
        return data

    @classmethod
    def from_wire(cls, wire: _WireUpload) -> UploadResult:
        values: dict[str, Any] = {f.name: getattr(wire, f.name, None) for f in fields(cls)}
        values["description_status"] = DescriptionStatus(wire.description_status)
        return cls(**values)

    @classmethod
    def failed_locally(cls, filename: str, error: Exception) -> UploadResult:
        """A file that never reached the server (unreadable, or its chunk was refused)."""
        kind, retryable = DescriptionFailure.classify_error(str(error))
        return cls(
            image_id=None,
            filename=filename,
            description_status=DescriptionStatus.FAILED,
            description_error=str(error),
            description_error_type=kind.value,
            description_is_retryable=retryable,
        )


@dataclass(frozen=True)
class SearchHit(UploadResult):
    """An image a search found: its UploadResult fields, a ``score`` (higher is better;
    comparable within one answer only) and ``highlights``, snippets where the query matched
    with the matched words in ``<mark>``...``</mark>``: HTML, escaped, whose only tags those are."""

    score: float = 0.0
    highlights: list[str] = field(default_factory=list)

    @property
    def highlight_text(self) -> str:
        """The first highlight without its ``<mark>`` tags ("" when there is none)."""
        first = self.highlights[0] if self.highlights else ""
        return html.unescape(first.replace("<mark>", "").replace("</mark>", ""))

    @classmethod
    def from_wire(cls, wire: _WireUpload) -> SearchHit:
        values: dict[str, Any] = {f.name: getattr(wire, f.name, None) for f in fields(cls)}
        values["description_status"] = DescriptionStatus(wire.description_status)
        values["score"] = wire.score if isinstance(wire, _WireHit) else 0.0
        values["highlights"] = list(wire.highlights) if isinstance(wire, _WireHit) else []
        return cls(**values)


@dataclass(frozen=True)
class SimilarImage:
    """A look-alike of a stored image: ``distance`` (perceptual-hash bits, mode duplicate) or
    ``score`` (cosine similarity, higher is closer, mode visual)."""

    image_id: str
    filename: str
    thumbnail_url: str | None = None
    distance: int | None = None
    score: float | None = None

    @classmethod
    def from_wire(cls, wire: _WireSimilar) -> SimilarImage:
        return cls(wire.image_id, wire.filename, wire.thumbnail_url, wire.distance, wire.score)


@dataclass(frozen=True)
class DescriptionResult:
    """A description on its own, as the reference SDK's ``scopix.types.describe`` has it;
    ``DescriptionResult.from_upload(result)`` makes one from any finished upload or file."""

    operation_id: str
    description: str
    confidence_score: float | None = None
    key_elements: list[str] | None = None
    tags: list[str] | None = None
    visible_text: str | None = None
    text_regions: list[TextRegion] | None = None
    analysis_level: str = "standard"
    provider_count: int = 1
    processing_time_ms: int = 0
    metadata: dict[str, Any] | None = None

    @classmethod
    def from_upload(cls, result: UploadResult, processing_time_ms: int = 0) -> DescriptionResult:
        if result.description is None or result.image_id is None:
            raise ValueError(f"{result.filename} has no description ({result.description_status}).")
        return cls(
            operation_id=result.job_id or result.image_id,
            description=result.description,
            confidence_score=result.confidence_score,
            key_elements=(result.tags or [])[:5] or None,
            tags=result.tags,
            visible_text=result.visible_text,
            text_regions=result.text_regions,
            processing_time_ms=processing_time_ms,
            metadata={"image_id": result.image_id, "filename": result.filename},
        )


class BatchUploadResults(list[UploadResult]):
    """The results of a batch, in the order the files were given. Files left out of a
    directory walk are counted, not listed: ``skipped_unsupported`` and ``skipped_hidden``."""

    skipped_unsupported: int = 0
    skipped_hidden: int = 0

    @property
    def has_failures(self) -> bool:
        return any(r.is_failed for r in self)

    @property
    def failed_count(self) -> int:
        return len(self.failed())

    @property
    def succeeded_count(self) -> int:
        return len(self.succeeded())

    @property
    def pending_count(self) -> int:
        return len(self.pending())

    def failed(self) -> list[UploadResult]:
        return [r for r in self if r.is_failed]

    def succeeded(self) -> list[UploadResult]:
        return [r for r in self if r.is_completed]

    def pending(self) -> list[UploadResult]:
        return [r for r in self if r.is_pending]

    def retryable(self) -> list[UploadResult]:
        return [r for r in self if r.is_failed and r.description_is_retryable]

    def raise_on_failures(self) -> BatchUploadResults:
        """Return self, or raise if any file failed (the message lists the first few)."""
        if self.has_failures:
            names = ", ".join(r.filename for r in self.failed()[:5])
            raise ImageLensAPIError(f"{self.summary()}: {names}", code="batch_failures")
        return self

    def summary(self) -> str:
        parts = [f"{self.succeeded_count} succeeded", f"{self.failed_count} failed"]
        if self.pending_count:
            parts.append(f"{self.pending_count} pending")
        return ", ".join(parts)


@dataclass(frozen=True)
class QuotaInfo:
    can_proceed: bool
    requested: int
    available: int
    monthly_limit: int
    current_usage: int
    message: str | None = None
    max_batch_size: int | None = None
    prepaid_credits: int = 0
    max_concurrent_uploads: int | None = None

    @classmethod
    def from_wire(cls, wire: _WireQuota) -> QuotaInfo:
        return cls(**wire.model_dump())
