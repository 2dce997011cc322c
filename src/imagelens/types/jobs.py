"""Jobs as the code passes them around: states, back-ends, and the options a worker runs with."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from imagelens.types.categories import ContentCategory
from imagelens.types.languages import Language


class JobStatus(StrEnum):
    """queued -> processing -> completed | failed (an image's status follows its job's)."""

    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED)


class JobType(StrEnum):
    """What a job row is: one image's analysis, a batch (its state read off its images), or
    a describe-image call (its markdown kept on the job, its upload dropped when done), or
    a search-by-image call (the query image's visual embedding kept on the job, the image
    dropped when done), or a face search or compare call (the query image's faces and their
    vectors kept on the job until read, the image dropped when done)."""

    IMAGE = "image"
    BATCH = "batch"
    DESCRIBE = "describe"
    SEARCH_IMAGE = "search-image"
    FACES = "faces"


class Backend(StrEnum):
    """Who answers: the local models, a vision LLM, or both merged."""

    LOCAL = "local"
    VLM = "vlm"
    HYBRID = "hybrid"


class RequestedOptions(BaseModel):
    """Analysis options as a client asked for them (back-end and schema not checked yet)."""

    model_config = ConfigDict(frozen=True)

    category: ContentCategory = ContentCategory.GENERAL
    lang: Language = Language.EN
    prompt: str | None = None
    backend: Backend | None = None
    custom_schema_id: str | None = None
    ocr_languages: tuple[str, ...] = ()  # checked by the API (parse_ocr_languages)


class JobOptions(BaseModel):
    """The checked options a job runs with, stored with the job: the back-end chosen and the
    custom schema copied in, so a schema deleted later does not change a queued job."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # rows from before this model

    category: ContentCategory = ContentCategory.GENERAL
    lang: Language = Language.EN
    prompt: str | None = None
    backend: Backend = Backend.LOCAL
    custom_schema: dict[str, Any] | None = None
    custom_hint: str | None = None
    ocr_languages: tuple[str, ...] = ()


class DescribeOptions(BaseModel):
    """What a describe-image job answers (the worker's configuration picks VLM or local)."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    lang: Language = Language.EN
    ocr_languages: tuple[str, ...] = ()


class JobSpec(BaseModel):
    """The message a worker receives: which job, for which image of which tenant, how."""

    model_config = ConfigDict(frozen=True)

    job_id: str
    tenant_id: str
    image_id: str
    options: JobOptions
