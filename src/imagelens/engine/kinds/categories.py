"""Content categories: pick one under ``auto``, and fill the fields local signals support."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from imagelens.engine.base import Signals
from imagelens.engine.kinds.drawings import drawing_fields, drawing_kind
from imagelens.engine.kinds.forms import layout_pairs
from imagelens.engine.kinds.pictures import PRINTED_ART, artwork, product_shot
from imagelens.engine.kinds.receipts import is_receipt, read_receipt
from imagelens.engine.kinds.screens import (
    chrome_bands,
    screen_shaped,
    screen_sized,
    status_bar,
)
from imagelens.intake import DecodedImage
from imagelens.types import ContentCategory as C
from imagelens.types import Table

# Extraction fields of each category. The local engine fills what its signals support and
# leaves the rest None; a VLM back-end fills them all.
CATEGORY_FIELDS: dict[C, tuple[str, ...]] = {
    C.GENERAL: ("objects", "scene", "people_count", "text_present", "dominant_colors"),
    C.REAL_ESTATE: ("room_type", "features", "condition", "style", "text_present"),
    C.ARCHITECTURAL_DESIGN: ("space_type", "furniture", "materials", "style", "lighting"),
    # gtin: the EAN/UPC printed on the product (barcodes), the key shops look products up by.
    C.PRODUCT_PHOTO: ("product_type", "brand", "colors", "background", "visible_text", "gtin"),
    C.BLUEPRINT: ("drawing_type", "rooms", "dimensions", "scale", "annotations"),
    C.CE_PLAN: ("plan_type", "elements", "dimensions", "scale", "annotations"),
    C.TECHNICAL_DIAGRAM: ("diagram_type", "components", "connections", "labels"),
    C.MINING: ("operation_type", "equipment", "geology", "safety_observations"),
    C.ROBOTICS: (
        "objects",
        "affordances",
        "grasp_strategies",
        "spatial_relationships",
        "perception_challenges",
    ),
    C.ARTWORK: ("medium", "style", "subject", "colors", "signature_text"),
    C.SCREENSHOT: ("application", "platform", "ui_text", "urls", "emails"),
    C.DOCUMENT: (
        "document_type",
        "title",
        "dates",
        "key_values",
        "emails",
        "amounts",
        # receipts (None for other documents)
        "merchant",
        "total",
        "currency",
        "tax",
        "line_items",
        # what the barcodes and QR codes on a receipt, ticket or form encode
        "codes",
    ),
    C.MAP: ("map_type", "place_names", "legend", "scale"),
    C.PID: ("instruments", "equipment", "line_numbers", "annotations"),
    C.PFD: ("equipment", "streams", "operating_conditions", "annotations"),
    C.CONSTRUCTION: ("phase", "equipment", "materials", "safety_observations"),
    C.FACILITY_ASSESSMENT: ("system", "deficiencies", "condition_rating", "recommendations"),
}

_PAPER = frozenset({"white", "silver", "beige"})
_DRAWINGS = frozenset({C.PID, C.PFD, C.TECHNICAL_DIAGRAM, C.BLUEPRINT, C.MAP})
_DOC_TYPES = ("invoice", "receipt", "contract", "letter", "report", "form", "menu", "certificate")
_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|"
    r"Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4})\b"
)
_KEY_VALUE = re.compile(r"^\s*([A-Za-z][\w ./#-]{1,40}?)\s*:\s*(\S.{0,80})$")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s]+", re.I)
_GTINS = frozenset({"EAN-13", "EAN-8", "UPC-A", "UPC-E"})
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_AMOUNT = re.compile(r"(?:[$€£]\s?\d[\d,.]*\d|\b\d[\d,.]*\d\s?(?:EUR|USD|GBP)\b)")
_ROOMS = {
    "dining-table": "dining room",
    "four-poster-bed": "bedroom",
    "infant-bed": "nursery",
    "bathtub": "bathroom",
    "hot-tub": "bathroom",
    "sink": "kitchen",
    "stove": "kitchen",
    "refrigerator": "kitchen",
    "home-theater": "living room",
    "couch": "living room",
    "patio": "patio",
    "library": "library",
    "desk": "office",
}


def text_coverage(signals: Signals) -> float:
    """Share of the image covered by text boxes."""
    regions = signals.ocr.regions if signals.ocr else []
    return sum(r.bbox.width * r.bbox.height for r in regions)


def classify(signals: Signals, image: DecodedImage, receipt: dict[str, Any] | None = None) -> C:
    """Choose a category from the signals (document, screenshot, and photo kinds)."""
    lines = _lines(signals)
    chars = sum(len(line) for line in lines)
    coverage = text_coverage(signals)
    top3 = signals.tags.labels[:3] if signals.tags else []
    labels = {t.name for t in top3}
    sure = {t.name for t in top3 if t.confidence >= 0.2}
    concepts = {t.name: t.confidence for t in signals.tags.concepts} if signals.tags else {}
    colors = signals.colors.dominant if signals.colors else []
    top_color = colors[0] if colors else None
    light = sum(c.fraction for c in colors if c.name in _PAPER)
    width, height = image.metadata.width, image.metadata.height
    if receipt is not None:  # receipt_of(signals, image), read once by the caller
        return C.DOCUMENT
    # Drawings print short labels over a mostly empty sheet; a page's text covers more.
    if coverage < 0.1 and (drawing := drawing_kind(lines, image)) is not None:
        return drawing
    if chars >= 40 and coverage >= 0.02:
        regions = signals.ocr.regions if signals.ocr else []
        flat = image.rendered
        if status_bar(regions) or (flat and screen_sized(width, height)):
            return C.SCREENSHOT
        if chrome_bands(image) >= 2:  # a title bar or toolbar and a sidebar: a window
            return C.SCREENSHOT
        if not flat:  # photographed or scanned: a page fills the frame, a notice does not
            return C.DOCUMENT if coverage >= 0.15 or light >= 0.6 else C.GENERAL
        # Rendered: pages are mostly paper-coloured and page-shaped; screens have chrome
        # (bars, panels) around the text and a screen's shape.
        ratio = width / height
        if light >= 0.8 or (light >= 0.5 and ratio <= 1.0 and not screen_shaped(width, height)):
            return C.DOCUMENT
        return C.SCREENSHOT
    if "website" in labels or (concepts.get("screen", 0) >= 0.5 and chars > 0):
        return C.SCREENSHOT
    # A paper label the tagger is fairly sure of (a 10% "crossword" is a guess at any grey
    # texture with a few characters read off it).
    if sure & {"menu", "envelope", "dust-jacket", "ring-binder", "crossword"} and chars > 0:
        return C.DOCUMENT
    regions = signals.ocr.regions if signals.ocr else []
    if chars < 40 and not status_bar(regions) and artwork(signals, image):
        return C.ARTWORK
    if concepts.get("interior", 0) + concepts.get("furniture", 0) >= 0.4:
        return C.REAL_ESTATE
    if labels & {"construction-crane", "forklift", "half-track"}:
        return C.CONSTRUCTION
    living = concepts.get("animal", 0) + concepts.get("person", 0) + concepts.get("landscape", 0)
    faces = signals.moderation.face_count if signals.moderation else 0
    white = bool(
        top_color
        and top_color.fraction >= 0.5
        and top_color.name in ("white", "silver")
        and signals.tags
        and signals.tags.labels
    )
    if living < 0.3 and not faces and coverage < 0.15 and (white or product_shot(image)):
        return C.PRODUCT_PHOTO
    return C.GENERAL


def described_as(kind: C, category: C) -> C:
    """The kind an image is described as: what it was recognised as (``kind``, from
    :func:`classify`), else, where it looks like nothing in particular (a photo), the
    ``category`` asked for, whose wording a caller's hint may pick ("a blueprint")."""
    return category if kind is C.GENERAL and category is not C.AUTO else kind


def receipt_of(signals: Signals, image: DecodedImage) -> dict[str, Any] | None:
    """What a receipt says when the image is one (see :mod:`imagelens.engine.kinds.receipts`)."""
    lines = _lines(signals)
    size = image.metadata.width, image.metadata.height
    return read_receipt(lines) if lines and is_receipt(lines, *size) else None


def extract(
    category: C,
    signals: Signals,
    receipt: dict[str, Any] | None = None,
    tables: Sequence[Table] = (),
) -> dict[str, Any] | None:
    """The category's fields, filled where local signals support them, None otherwise.
    A document's key_values come from its lines' text and from where its boxes sit
    (``tables`` say which boxes are table cells, not a form's fields)."""
    fields = CATEGORY_FIELDS.get(category)
    if fields is None:
        return None
    out: dict[str, Any] = dict.fromkeys(fields)
    out.update({k: v for k, v in _local_values(category, signals).items() if k in out})
    if category is C.DOCUMENT and signals.ocr is not None:
        # The layout's pair wins where both read a label: a line holding two pairs is one
        # regex match ("Invoice No." -> "48213 Date: 12.03.2024"), two pairs by layout.
        pairs = {**(out["key_values"] or {}), **layout_pairs(signals.ocr.regions, tables)}
        out["key_values"] = pairs or None
    if category in _DRAWINGS:
        found = drawing_fields(category, _lines(signals))
        out.update({k: v for k, v in found.items() if k in out and v is not None})
    if category is C.DOCUMENT and receipt is not None:
        out.update({k: v for k, v in receipt.items() if k in out}, document_type="receipt")
        out["title"] = receipt["merchant"] or out["title"]
    return out


def _lines(signals: Signals) -> list[str]:
    text = signals.ocr.visible_text if signals.ocr else None
    return [line for line in (text or "").splitlines() if line.strip()]


def _local_values(category: C, signals: Signals) -> dict[str, Any]:
    lines = _lines(signals)
    text = "\n".join(lines)
    labels = [t.name for t in signals.tags.labels] if signals.tags else []
    concepts = [t.name for t in signals.tags.concepts] if signals.tags else []
    colors = [c.name for c in signals.colors.dominant] if signals.colors else []
    faces = signals.moderation.face_count if signals.moderation else None
    codes = signals.barcodes.codes if signals.barcodes else []
    linked = [c.value for c in codes if _URL.match(c.value)]
    values: dict[str, Any] = {
        "objects": labels or None,
        "scene": concepts[0] if concepts else None,
        "people_count": faces,
        "text_present": bool(lines),
        "dominant_colors": colors or None,
        "colors": colors or None,
        "visible_text": text or None,
        "signature_text": None,
        "urls": list(dict.fromkeys([*_URL.findall(text), *linked])) or None,
        "gtin": next((c.value for c in codes if c.format in _GTINS), None),
        "codes": list(dict.fromkeys(c.value for c in codes)) or None,
        "emails": _EMAIL.findall(text) or None,
        "ui_text": lines[:50] or None,
        "labels": lines[:50] or None,
        "annotations": lines[:50] or None,
        "place_names": None,
    }
    if category is C.DOCUMENT:
        lowered = text.lower()
        values["document_type"] = next((d for d in _DOC_TYPES if d in lowered), None)
        values["title"] = lines[0] if lines else None
        values["dates"] = _DATE.findall(text) or None
        pairs = [m.groups() for line in lines if (m := _KEY_VALUE.match(line))]
        values["key_values"] = {k.strip(): v.strip() for k, v in pairs} or None
        values["amounts"] = _AMOUNT.findall(text) or None
    if category in (C.REAL_ESTATE, C.ARCHITECTURAL_DESIGN):
        values["room_type"] = next((_ROOMS[n] for n in labels if n in _ROOMS), None)
        values["space_type"] = values["room_type"]
        values["features"] = labels or None
        values["furniture"] = [n for n in labels if n in _ROOMS] or None
    if category is C.ARTWORK:
        subjects = [n for n in labels if n not in PRINTED_ART]
        values["subject"] = subjects[:3] or concepts[:1] or None
        values["signature_text"] = text if 0 < len(lines) <= 3 else None
    if category is C.PRODUCT_PHOTO:
        values["product_type"] = labels[0] if labels else None
        plain = signals.colors and signals.colors.dominant[0].fraction >= 0.5
        values["background"] = "plain" if plain else "busy"
    if category is C.ROBOTICS and signals.colors:
        challenges = [
            name
            for name, hit in (
                ("motion or focus blur", signals.colors.is_blurry),
                ("low light", signals.colors.brightness < 0.25),
                ("overexposure", signals.colors.brightness > 0.9),
            )
            if hit
        ]
        values["perception_challenges"] = challenges
    if category is C.CONSTRUCTION or category is C.MINING:
        values["equipment"] = [
            n for n in labels if n in {"construction-crane", "forklift", "tractor", "drilling-rig"}
        ] or None
    return values
