"""Wire models shared by the server, the SDK and the CLI (no server imports here)."""

from imagelens.types.analysis import (
    AnalysisResult,
    Barcode,
    BBox,
    ColorInfo,
    ColorSummary,
    ExifSummary,
    Face,
    FrameSummary,
    ImageMetadata,
    Moderation,
    ModerationLabel,
    PageSummary,
    TagRange,
    TagScore,
    TextRegion,
)
from imagelens.types.categories import ContentCategory
from imagelens.types.jobs import (
    Backend,
    DescribeOptions,
    JobOptions,
    JobSpec,
    JobStatus,
    JobType,
    RequestedOptions,
)
from imagelens.types.languages import OCR_LANGUAGES, Language, parse_ocr_languages

__all__ = [
    "OCR_LANGUAGES",
    "AnalysisResult",
    "BBox",
    "Backend",
    "Barcode",
    "ColorInfo",
    "ColorSummary",
    "ContentCategory",
    "DescribeOptions",
    "ExifSummary",
    "Face",
    "FrameSummary",
    "ImageMetadata",
    "JobOptions",
    "JobSpec",
    "JobStatus",
    "JobType",
    "Language",
    "Moderation",
    "ModerationLabel",
    "PageSummary",
    "RequestedOptions",
    "TagRange",
    "TagScore",
    "TextRegion",
    "parse_ocr_languages",
]
