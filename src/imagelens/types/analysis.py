"""The result of analysing one image: the fields of the v2 ``completed`` variant and more."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)

    def __getitem__(self, name: str) -> Any:
        """``region["text"]`` as well as ``region.text``: the reference SDK hands these out as
        dicts, and code written against it indexes them."""
        if name not in type(self).model_fields:
            raise KeyError(name)
        return getattr(self, name)


def _unless_none() -> Any:
    """An optional field left out of the JSON while None: a PDF's or a video's extra fields do
    not change an image's answer (the reference shapes have none of them)."""
    return Field(default=None, exclude_if=lambda value: value is None)


class BBox(_Model):
    """A box normalised to 0-1 of the upright image's width and height."""

    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    width: float = Field(ge=0, le=1)
    height: float = Field(ge=0, le=1)


class TextRegion(_Model):
    text: str
    confidence: float
    bbox: BBox
    # Where the box sits in reading order: its block (a column or paragraph) and its line
    # within that block, both counted from 0 (None from back-ends that do not say).
    block: int | None = None
    line: int | None = None
    # The page (from 1) of a PDF the box is on; None for an image.
    page: int | None = _unless_none()
    # When in a video the text was on screen (the key frame's time, seconds).
    time_s: float | None = _unless_none()


class Barcode(_Model):
    """A barcode or QR code: its symbology as zxing-cpp names it ("QR Code", "EAN-13",
    "Code 128", ...), the text it encodes, and where it is."""

    format: str
    value: str
    bbox: BBox
    # The page (from 1) of a PDF it is on; None for an image.
    page: int | None = _unless_none()
    # When in a video it was on screen (the key frame's time, seconds).
    time_s: float | None = _unless_none()


class TableCell(_Model):
    """One cell of a table: its text (words joined in reading order, "" when empty), its box,
    and how many grid rows and columns it covers (a merged cell covers more than one)."""

    text: str
    bbox: BBox
    row_span: int = 1
    col_span: int = 1


class Table(_Model):
    """A table read from a page or an image. ``rows`` holds each grid row's cells left to
    right; a cell spanning rows or columns is listed once, in its top-left row. The first
    ``header_rows`` rows are column headings."""

    bbox: BBox
    rows: list[list[TableCell]]
    header_rows: int = 0
    # The page (from 1) of a PDF the table is on; None for an image.
    page: int | None = _unless_none()


class ImageMetadata(_Model):
    width: int
    height: int
    format: str
    size_bytes: int
    content_type: str
    media_type: str = "image"  # image | document | video
    pages: int | None = _unless_none()  # a document's page count
    # A video's: seconds, frames per second, codec, and the rotation applied to stand it up.
    duration_s: float | None = _unless_none()
    fps: float | None = _unless_none()
    codec: str | None = _unless_none()
    rotation: int | None = _unless_none()


class ExifSummary(_Model):
    camera: str | None = None
    taken_at: datetime | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    orientation: int | None = None


class TagScore(_Model):
    """One tag with its confidence; ``kind`` is ``label`` (a model class) or ``concept``."""

    name: str
    confidence: float
    kind: str


class ModerationLabel(_Model):
    label: str
    score: float


class Moderation(_Model):
    flagged: bool
    labels: list[ModerationLabel] = []
    face_count: int = 0


class ColorInfo(_Model):
    hex: str
    name: str
    fraction: float


class ColorSummary(_Model):
    dominant: list[ColorInfo]
    brightness: float  # mean luma, 0 (black) to 1 (white)
    sharpness: float  # variance of the Laplacian on a 512 px grey copy
    is_blurry: bool


class PageSummary(_Model):
    """One page of a document: its size, where its text came from, and that text."""

    page: int
    width: int  # in PDF points (1/72 inch), upright
    height: int
    text_source: str  # "text_layer" (the PDF's own text, exact) or "ocr" (a scan)
    visible_text: str | None = None
    text_regions: int = 0  # how many of the result's text_regions are on this page


class FrameSummary(_Model):
    """One key frame of a video (a new scene): when, and what it showed."""

    time_s: float
    tags: list[str] = []
    visible_text: str | None = None
    flagged: bool = False


class TagRange(_Model):
    """Where in a video a tag holds: from the key frame it first appears in until the next
    key frame after it was last seen (or the end)."""

    name: str
    start_s: float
    end_s: float
    confidence: float


class Face(_Model):
    """A face: where it is, how sure the detector was, and who it is where recognition is on
    (the person's id and name; None while recognition is off or the person has no name)."""

    bbox: BBox
    confidence: float
    person_id: str | None = None
    person_name: str | None = None
    page: int | None = _unless_none()  # a PDF's page (from 1)
    time_s: float | None = _unless_none()  # a video's key frame time


class AnalysisResult(_Model):
    """Everything the engine says about one image."""

    description: str
    tags: list[str]
    tag_scores: list[TagScore] = []
    visible_text: str | None = None
    text_regions: list[TextRegion] = []
    metadata: ImageMetadata
    exif: ExifSummary | None = None
    category: str
    extracted: dict[str, Any] | None = None
    moderation: Moderation | None = None
    colors: ColorSummary | None = None
    confidence_score: float | None = None
    backend: str = "local"
    lang: str = "en"
    content_hash: str
    perceptual_hash: str
    timings_ms: dict[str, float] = {}
    model_versions: dict[str, str] = {}
    # Set when a VLM back-end failed and the local result was returned instead: why.
    vlm_fallback: str | None = None
    pages: list[PageSummary] = []  # a document's pages, in order; empty for an image
    frames: list[FrameSummary] = []  # a video's key frames, in time order
    tag_ranges: list[TagRange] = []  # a video's tags with when they hold
    faces: list[Face] = []  # every face found (on every page or key frame)
    barcodes: list[Barcode] = []  # barcodes and QR codes, top to bottom
    tables: list[Table] = []  # tables, page by page, top to bottom
