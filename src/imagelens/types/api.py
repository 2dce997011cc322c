"""Wire models of the HTTP API, shared by the server and the SDK (no server imports)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from imagelens.types.analysis import (
    AnalysisResult,
    Barcode,
    ColorSummary,
    Face,
    ImageMetadata,
    Moderation,
    PageSummary,
    Table,
    TextRegion,
)


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorInfo(_Wire):
    type: str
    message: str
    retryable: bool


class AnalyzeCompleted(_Wire):
    image_id: str
    status: Literal["completed"] = "completed"
    processing_time_ms: float
    description: str | None
    visible_text: str | None
    tags: list[str]
    metadata: ImageMetadata
    confidence_score: float | None
    text_regions: list[TextRegion] = []
    category: str | None = None
    extracted: dict[str, Any] | None = None
    moderation: Moderation | None = None
    colors: ColorSummary | None = None
    backend: str = "local"
    vlm_fallback: str | None = None
    # A PDF's pages; left out for an image.
    pages: list[PageSummary] | None = Field(default=None, exclude_if=lambda v: v is None)
    # Barcodes and QR codes; left out when there are none (the reference has no such field).
    barcodes: list[Barcode] | None = Field(default=None, exclude_if=lambda v: v is None)
    # Every face found, with who it is where the tenant has recognition on (see /people).
    faces: list[Face] = []
    # Tables read from the image or the PDF's pages; left out when there are none.
    tables: list[Table] | None = Field(default=None, exclude_if=lambda v: v is None)


class AnalyzeProcessing(_Wire):
    image_id: str
    status: Literal["processing"] = "processing"
    processing_time_ms: float
    job_id: str
    poll_url: str


class AnalyzeFailed(_Wire):
    image_id: str
    status: Literal["failed"] = "failed"
    processing_time_ms: float
    job_id: str
    poll_url: str
    error: ErrorInfo | None


class AnalyzeSkipped(_Wire):
    image_id: str
    status: Literal["skipped"] = "skipped"
    processing_time_ms: float


AnalyzeResponse = Annotated[
    AnalyzeCompleted | AnalyzeProcessing | AnalyzeFailed | AnalyzeSkipped,
    Field(discriminator="status"),
]


class JobAccepted(_Wire):
    job_id: str
    status: Literal["processing"] = "processing"
    poll_url: str
    image_id: str | None = None


class JobProgress(_Wire):
    total: int
    completed: int
    failed: int


class JobResult(_Wire):
    image_id: str
    status: str
    filename: str | None = None
    description: str | None = None
    visible_text: str | None = None
    tags: list[str] | None = None
    text_regions: list[TextRegion] | None = None
    confidence_score: float | None = None
    error: ErrorInfo | None = None


class _JobBase(_Wire):
    job_id: str
    job_type: Literal["image", "batch"]
    created_at: datetime
    progress: JobProgress | None = None


class JobProcessing(_JobBase):
    status: Literal["processing"] = "processing"


class JobCompleted(_JobBase):
    status: Literal["completed"] = "completed"
    completed_at: datetime | None
    results: list[JobResult]


class JobFailed(_JobBase):
    status: Literal["failed"] = "failed"
    completed_at: datetime | None
    error_message: str | None


JobResponse = Annotated[JobProcessing | JobCompleted | JobFailed, Field(discriminator="status")]

DescriptionStatusValue = Literal[
    "pending", "queued", "processing", "completed", "failed", "skipped"
]


class UploadResult(_Wire):
    image_id: str | None  # None for a batch file that was refused (no image stored)
    filename: str
    description: str | None = None
    tags: list[str] | None = None
    visible_text: str | None = None
    text_regions: list[TextRegion] | None = None
    confidence_score: float | None = None
    faces: list[Face] | None = None  # once analysed; person_id/name as they are now
    description_status: DescriptionStatusValue = "pending"
    thumbnail_url: str | None = None
    created_at: datetime | None = None
    description_error: str | None = None
    description_error_type: str | None = None
    description_is_retryable: bool | None = None
    deduplicated: bool | None = None
    media_type: str | None = "image"
    status: Literal["processing", "completed"] | None = None
    job_id: str | None = None
    object_key: str | None = None  # the key in the tenant's own bucket (storage_target=custom)
    # Tables read from the image or the PDF's pages, once analysed; left out when there are none.
    tables: list[Table] | None = Field(default=None, exclude_if=lambda v: v is None)


class DirectUploadRequest(BaseModel):
    """POST /files/uploads: announce a file the client then sends straight to storage."""

    # Strict: a JSON body means what its schema says ("skip_duplicates": 0 is refused).
    model_config = ConfigDict(extra="forbid", strict=True)

    filename: str = Field(min_length=1, max_length=500)
    size: int = Field(gt=0)  # bytes; checked against what arrives at complete
    content_type: str | None = Field(default=None, max_length=200)  # a hint; the bytes decide
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")  # checked at complete
    content_category: str = Field(default="general", max_length=32)
    lang: str = Field(default="en", max_length=8)
    skip_duplicates: bool = False
    storage_target: Literal["default", "custom"] = "default"


class UploadPart(_Wire):
    part_number: int
    url: str


class DirectUploadCreated(_Wire):
    """Where to send the bytes: one PUT to ``url``, or each part to its ``parts[].url``
    (``part_size`` bytes each, the last one the rest); then POST .../complete."""

    upload_id: str
    method: Literal["put", "multipart"]
    url: str | None = None
    parts: list[UploadPart] | None = None
    part_size: int
    expires_at: datetime
    complete_url: str


class CompletedPart(BaseModel):
    model_config = ConfigDict(strict=True)

    part_number: int = Field(ge=1, le=10_000)
    etag: str = Field(min_length=1, max_length=200)


class DirectUploadComplete(BaseModel):
    """POST /files/uploads/{id}/complete: the parts' ETags (multipart), how long to wait."""

    model_config = ConfigDict(strict=True)

    parts: list[CompletedPart] | None = Field(default=None, max_length=10_000)
    timeout: float = Field(default=30, ge=0, le=120)  # 0: answer at once, analysis queued


class BatchAccepted(_Wire):
    session_id: str
    job_id: str
    status: Literal["processing", "completed"]
    poll_url: str
    session_url: str
    results: list[UploadResult]


class SessionStatus(_Wire):
    session_id: str
    job_id: str
    status: Literal["processing", "completed", "failed"]
    created_at: datetime
    progress: JobProgress
    results: list[UploadResult]


class FileList(_Wire):
    items: list[UploadResult]
    next_cursor: str | None
    has_more: bool


class SearchHit(UploadResult):
    """One image a search found: its UploadResult fields, a relevance ``score`` (higher is
    better; comparable within one answer only) and ``highlights``, the snippets of its text
    where the query's words matched, as HTML: the snippet escaped, the words wrapped in
    ``<mark>``...``</mark>``, its only tags."""

    image_id: str
    score: float
    highlights: list[str] = []


class SearchResults(_Wire):
    items: list[SearchHit]
    next_cursor: str | None
    has_more: bool


class FileText(_Wire):
    image_id: str
    visible_text: str | None
    text_regions: list[TextRegion]


class FileAnalysis(_Wire):
    """One image's record with everything its last analysis said (EXIF, per-tag scores,
    per-stage timings and model versions included); ``result`` is None until it completes."""

    image_id: str
    filename: str
    status: str  # queued | processing | completed | failed
    created_at: datetime
    content_hash: str
    error: ErrorInfo | None = None
    result: AnalysisResult | None = None


class SimilarImage(_Wire):
    image_id: str
    filename: str
    # mode=duplicate: the perceptual hashes' Hamming distance (0-64); mode=visual: None
    distance: int | None = None
    thumbnail_url: str | None
    # mode=visual: cosine similarity of the visual embeddings (-1..1, higher is closer)
    score: float | None = None


class SimilarImages(_Wire):
    image_id: str
    items: list[SimilarImage]


class QuotaInfo(_Wire):
    can_proceed: bool
    requested: int
    available: int
    monthly_limit: int
    current_usage: int
    message: str | None = None
    max_batch_size: int | None = None
    prepaid_credits: int = 0
    max_concurrent_uploads: int | None = None


# operator holds admin (its own tenant's keys and data), admin holds read and write; operator
# alone creates keys for other tenants and grants operator.
Scope = Literal["read", "write", "admin", "operator"]
SCOPES: tuple[Scope, ...] = get_args(Scope)


def _default_scopes() -> list[Scope]:
    return ["read", "write"]


class ApiKeyCreate(_Wire):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(default_factory=_default_scopes, min_length=1)
    tenant: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[\w.-]+$")
    expires_at: datetime | None = None
    # Also make a request-signing secret (shown once); needs IMAGELENS_SECRET_KEY.
    signing: bool = False


class ApiKeyInfo(_Wire):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    tenant: str
    expires_at: datetime | None
    created_at: datetime
    signing: bool = False  # whether the key has a request-signing secret


class ApiKeyCreated(ApiKeyInfo):
    key: str  # shown once, never again
    secret: str | None = None  # the signing secret, when asked for: shown once too


class ApiKeyList(_Wire):
    items: list[ApiKeyInfo]


class CustomS3Config(_Wire):
    """A tenant's own S3-compatible bucket (bring your own bucket)."""

    access_key_id: str = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")
    secret_access_key: SecretStr = Field(min_length=1, max_length=256)
    bucket_name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    region: str = Field(default="us-east-1", max_length=64, pattern=r"^[a-z0-9-]*$")
    # For MinIO, Ceph, R2 and other S3-compatible services; empty: AWS S3.
    endpoint_url: str = Field(default="", max_length=500)
    prefix: str = Field(default="", max_length=200, pattern=r"^[\w!.*'()/-]*$")


class CustomStorage(_Wire):
    """A tenant's bucket as the API shows it: never the secret, the key id masked."""

    provider: Literal["s3"] = "s3"
    bucket_name: str
    region: str
    endpoint_url: str
    prefix: str
    access_key_id: str  # masked: its first 4 characters
    configured_at: datetime
    updated_at: datetime


class CustomSchemaCreate(_Wire):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    # "schema" on the wire; pydantic's BaseModel has a deprecated `schema` attribute.
    json_schema: dict[str, Any] = Field(alias="schema")
    prompt_hint: str | None = Field(default=None, max_length=2000)


class CustomSchemaInfo(_Wire):
    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    id: str
    name: str
    description: str | None
    json_schema: dict[str, Any] = Field(alias="schema")
    prompt_hint: str | None
    created_at: datetime


class CustomSchemaList(_Wire):
    items: list[CustomSchemaInfo]
