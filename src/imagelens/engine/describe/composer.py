"""Compose a one- or two-sentence description from what the analyzers actually found."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from imagelens.engine.base import Signals
from imagelens.engine.describe.phrases import CONCEPT_NOUNS, TEMPLATES
from imagelens.engine.describe.tagnames import tag_name
from imagelens.engine.kinds.pictures import PRINTED_ART
from imagelens.engine.kinds.screens import status_bar_regions, status_token
from imagelens.engine.local.concepts import PARENTS
from imagelens.types import ContentCategory, Language, TagScore

# Below this, the subject is not named at all; between it and _SURE it is named as "probably".
_MENTION = 0.15
_SURE = 0.6
_SNIPPET = 60
_DRAWINGS = {"blueprint", "pid", "pfd", "technical_diagram", "map"}
_TEXT_KINDS = {ContentCategory.DOCUMENT: "document", ContentCategory.SCREENSHOT: "screenshot"}
_PICTURE_KINDS = {ContentCategory.ARTWORK: "artwork", ContentCategory.PRODUCT_PHOTO: "product"}


def compose_description(
    signals: Signals,
    category: ContentCategory,
    lang: Language,
    receipt: dict[str, Any] | None = None,
    pages: int | None = None,
    duration_s: float | None = None,
) -> str:
    """Describe the image (or the ``pages``-page PDF) in ``lang``; every clause rests on a
    detected signal. A video (``duration_s``) is said to be one, then described by the
    frame standing for it. A barcode or QR code adds one short sentence at the end. Faces
    are counted, never named here: names change, so they are put in when the description is
    shown (:func:`imagelens.engine.describe.naming.with_names`)."""
    body = _describe(signals, category, lang, receipt, pages, duration_s)
    code = _code_sentence(signals, TEMPLATES[lang.value])
    return f"{body} {code}" if code else body


def _describe(
    signals: Signals,
    category: ContentCategory,
    lang: Language,
    receipt: dict[str, Any] | None,
    pages: int | None,
    duration_s: float | None,
) -> str:
    t = TEMPLATES[lang.value]
    faces = _faces(signals, t)
    if duration_s is not None:
        minutes, seconds = divmod(round(duration_s), 60)
        shown = _describe(signals, category, lang, receipt, None, None)
        return f"{t['video'].format(d=f'{minutes}:{seconds:02d}')} {shown}"
    text = signals.ocr.visible_text if signals.ocr and signals.ocr.visible_text else ""
    lines = [line for line in text.splitlines() if line.strip()]  # pages end in a blank line
    if receipt is not None and receipt.get("merchant"):
        total = receipt.get("total")
        amount = f"{total} {receipt['currency']}" if total and receipt.get("currency") else total
        first = t["receipt"].format(
            m=_snippet(receipt["merchant"]),
            total=t["receipt_total"].format(a=amount) if amount else "",
        )
        return " ".join([first, *faces][:2])
    if category.value in _DRAWINGS:
        kind = t[category.value]
        if lang is Language.TR:  # the noun ends the sentence there
            kind = kind[0].lower() + kind[1:]
        # A drawing's labels name its parts, not the drawing: no "headed" clause.
        return t["drawing"].format(kind=kind, n=len(lines), title="")
    text_kind = _TEXT_KINDS.get(category)
    if text_kind and lines:
        title = t["title"].format(t=_snippet(_title(signals) or lines[0]))
        key = f"{text_kind}1" if len(lines) == 1 and f"{text_kind}1" in t else text_kind
        if pages is not None and text_kind == "document":
            key = "pdf1" if pages == 1 and "pdf1" in t else "pdf"
        first = t[key].format(n=len(lines), title=title, p=pages)
        return " ".join([first, *faces][:2])
    if category in _PICTURE_KINDS:
        key = _PICTURE_KINDS[category]
        noun = _picture_noun(signals, lang, labels_first=key == "product")
        sentences = [t[key].format(noun=noun) if noun else t[f"{key}0"]]
    else:
        sentences = [_subject(signals, lang, t)]
    if lines:
        sentences.append(t["text"].format(s=_snippet(" ".join(lines))))
    sentences.extend(faces)
    return " ".join(sentences[:2])


def _code_sentence(signals: Signals, t: dict[str, str]) -> str | None:
    """The first QR code (a link by its host, else its text), or else the first barcode."""
    codes = signals.barcodes.codes if signals.barcodes else []
    code = next((c for c in codes if c.format in _QR), codes[0] if codes else None)
    if code is None:
        return None
    if code.format not in _QR:
        return t["barcode"].format(f=code.format, v=_snippet(code.value, _CODE_SNIPPET))
    host = _host(code.value)
    if host:
        return t["qr_url"].format(h=host)
    text = _snippet(code.value, _CODE_SNIPPET).rstrip(" .。!?")
    return t["qr_text"].format(s=text) if text else None


_QR = frozenset({"QR Code", "Micro QR Code", "rMQR Code"})
_CODE_SNIPPET = 40
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.I)


def _host(value: str) -> str | None:
    """A link's host without "www." ("example.com"); None when ``value`` is no link."""
    value = value.strip()
    if not _URL.match(value):
        return None
    host = urlsplit(value if "://" in value else f"http://{value}").hostname
    return host.removeprefix("www.") if host else None


def _picture_noun(signals: Signals, lang: Language, *, labels_first: bool) -> str | None:
    """What a product shot or artwork shows: the tagger's class for a product ("coffee
    mug"), the concept for artwork ("cat"); never the classes that stand for printed art."""
    tags = signals.tags
    labels = [t for t in (tags.labels if tags else []) if t.name not in PRINTED_ART]
    label = labels[0] if labels and labels[0].confidence >= _MENTION else None
    concept = _specific_concept(tags.concepts if tags else [])
    concept = concept if concept is not None and concept.confidence >= _MENTION else None
    if (labels_first and label is not None) or concept is None:
        if label is None:
            return None
        noun = _label_text(label.name, lang)
    else:
        noun = CONCEPT_NOUNS[concept.name][lang.value]
    if lang is Language.EN:
        noun = ("an " if noun[0] in "aeiou" else "a ") + noun
    return noun


def _label_text(tag: str, lang: Language) -> str:
    """A tagger class as words: "coffee mug" for the slug, the class's own name elsewhere
    (whose hyphens belong to it: "T-Shirt", "tubarão-branco")."""
    return tag.replace("-", " ") if lang is Language.EN else tag_name(tag, lang)


def _subject(signals: Signals, lang: Language, t: dict[str, str]) -> str:
    label = signals.tags.labels[0] if signals.tags and signals.tags.labels else None
    concept = _specific_concept(signals.tags.concepts if signals.tags else [])
    weak_label = label is None or label.confidence < _MENTION
    if label is None or (weak_label and (concept is None or concept.confidence < _SURE)):
        return t["none"]
    label_text = _label_text(label.name, lang)
    if concept is not None and concept.confidence >= _MENTION:
        noun = CONCEPT_NOUNS[concept.name][lang.value]
        score = concept.confidence
        detail = (
            t.get("detail", " ({label})").format(label=label_text)
            if label.confidence >= _MENTION and label_text.lower() != noun.lower()
            else ""
        )
    else:
        noun, score, detail = label_text, label.confidence, ""
    if lang is Language.EN:
        noun = ("an " if noun[0] in "aeiou" else "a ") + noun
    return t["sure" if score >= _SURE else "likely"].format(noun=noun, detail=detail)


def _specific_concept(concepts: list[TagScore]) -> TagScore | None:
    """The most likely concept, or a child of it nearly as likely ('cat' over 'animal')."""
    known = [c for c in concepts if c.name in CONCEPT_NOUNS]
    if not known:
        return None
    top = known[0]
    narrower = [
        c for c in known if PARENTS.get(c.name) == top.name and c.confidence >= 0.8 * top.confidence
    ]
    return narrower[0] if narrower else top


def _faces(signals: Signals, t: dict[str, str]) -> list[str]:
    if signals.faces is not None:
        n = len(signals.faces.faces)
    else:
        n = signals.moderation.face_count if signals.moderation else 0
    sentence = _count_sentence(n, t)
    return [sentence] if sentence else []


def faces_sentence(n: int, lang: str) -> str | None:
    """The sentence counting ``n`` faces in ``lang`` ("Three people are visible (3
    faces)."), as descriptions say it; None for none."""
    return _count_sentence(n, TEMPLATES[lang])


def _count_sentence(n: int, t: dict[str, str]) -> str | None:
    if n == 0:
        return None
    if n == 1:
        return t["face1"]
    sentence = t["faces"].format(n=n)
    if t is TEMPLATES["en"] and n <= 10:  # "Three people are visible (3 faces)."
        word = _EN_NUMBERS[n]
        sentence = sentence.replace(f"{n} people", f"{word[0].upper()}{word[1:]} people", 1)
    return sentence


_EN_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
               8: "eight", 9: "nine", 10: "ten"}  # fmt: skip


def _title(signals: Signals) -> str | None:
    """The page's or screen's title: the first much larger text in its upper part, else
    its first line that is not the status bar (a clock, battery level or carrier there says
    nothing about the content), wherever the status bar is drawn."""
    found = signals.ocr.regions if signals.ocr else []
    bar = {id(r) for r in status_bar_regions(found)}
    regions = [
        r
        for r in found
        if sum(ch.isalpha() for ch in r.text) >= 3
        and id(r) not in bar
        and not status_token(r.text)
        and not (r.bbox.y <= 0.06 and _STATUS.search(r.text))
    ]
    if not regions:
        return None
    heights = sorted(r.bbox.height for r in regions)
    median = heights[len(heights) // 2]
    headline = next((r for r in regions if r.bbox.y < 0.4 and r.bbox.height >= 1.5 * median), None)
    return (headline or regions[0]).text


_STATUS = re.compile(r"\d{1,2}[:.]\d{2}|\d{1,3}\s?%|\b(?:LTE|5G|4G|3G|VoLTE|Wi-?Fi)\b", re.I)


def _snippet(text: str, limit: int = _SNIPPET) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
