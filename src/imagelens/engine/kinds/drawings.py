"""Drawings: floor plans and blueprints, P&IDs, process flow diagrams, schematics and maps,
told apart by what they print and how they look, and read into their category's fields.

- line art: mostly one background colour with thin strokes, few colours (or white on blue:
  a blueprint);
- P&ID: ISA instrument tags (FV-101, PT-203, LIC-100); PFD: equipment tags (P-101, E-201)
  with stream conditions (kg/h, °C, bar);
- electrical schematic: designators (R1, C12, U3) with component values (10k, 100nF, 5V);
- floor plan: room names, a scale ("1:100"), dimensions;
- map: a scale bar ("0 5 km"), a north arrow, a legend, place names.

Keyword and pattern rules (written here: no library classifies drawings from OCR text).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from imagelens.intake import DecodedImage
from imagelens.types import ContentCategory as C

_ISA = (
    "FV|FT|FE|FI|FIC|FCV|FIT|FY|PT|PI|PIC|PCV|PV|PSV|PSH|PSL|PIT|PDT|LT|LI|LIC|LCV|LV|LSH|LSL|"
    "LIT|TT|TI|TIC|TCV|TV|TE|TW|TSH|XV|HV|HS|ZSO|ZSC|AT|AI|SDV|BDV"
)
_INSTRUMENT = re.compile(rf"\b(?:{_ISA})[- ]?\d{{2,4}}[A-Z]?\b")
_EQUIPMENT = re.compile(r"\b(?:P|E|V|T|C|R|K|D|F|H|TK)-\d{3}[A-Z]?\b")
_LINE_NUMBER = re.compile(r"\b\d{1,2}\"?-[A-Z]{1,3}-\d{3,5}(?:-[A-Z0-9]+)*\b")
_STREAM = re.compile(r"\b\d[\d.,]*\s?(?:kg/h|t/h|m3/h|m³/h|°C|barg?|kPa|MPa|psi)\b", re.I)
_DESIGNATOR = re.compile(r"\b(?:R|C|L|Q|D|U|J|SW|K|F|T)\d{1,3}\b")
_VALUE = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:[kKMm]?Ω|[kKM]|[pnuµm]?F|[munµ]?H|m?V|m?A)\b")
_ROOMS = re.compile(
    r"\b(?:kitchen|bed ?room|living(?: room)?|lounge|bath(?:room)?|wc|toilet|hall(?:way)?|"
    r"dining|garage|office|study|laundry|utility|closet|wardrobe|entry|foyer|balcony|"
    r"terrace|porch|pantry|store|storage)\b",
    re.I,
)
_SCALE = re.compile(r"\b1\s?:\s?\d{2,5}\b")
_DIMENSION = re.compile(r"\b\d{3,5}\b|\b\d+(?:[.,]\d+)?\s?(?:mm|cm|m)\b|\b\d+'(?:\s?-?\s?\d+\")?")
_SCALE_BAR = re.compile(r"\b(?:0\s+)?\d+(?:[.,]\d+)?\s?(?:km|mi|miles|m)\b", re.I)
_LEGEND = re.compile(r"\b(?:legend|key|legende|leyenda|légende)\b", re.I)
_NORTH = re.compile(r"^(?:N|NORTH)$")


def line_art(image: DecodedImage) -> tuple[float, bool]:
    """(share of the background colour, whether it is white-on-blue): drawings are mostly
    background with thin strokes; photos are not."""
    pixels = image.thumbnail(256).reshape(-1, 3)
    quantised = pixels // 24  # 0..10 per channel: one bin number each, counted by bincount
    bins = (quantised[:, 0] * 11 + quantised[:, 1]) * 11 + quantised[:, 2]
    most = int(np.argmax(np.bincount(bins, minlength=11**3)))  # (np.unique(axis=0): 30x slower)
    top = np.array([most // 121, most // 11 % 11, most % 11], dtype=np.int16) * 24 + 12
    near = np.all(np.abs(pixels - top) <= 24, axis=1)
    blue = bool(top[2] >= 90 and top[2] > top[0] + 50 and top[2] > top[1] + 20)
    return float(near.mean()), blue


def drawing_kind(lines: list[str], image: DecodedImage) -> C | None:
    """The drawing category the image is, or None."""
    text = "\n".join(lines)
    background, blue = line_art(image)
    if background < 0.55:
        return None  # a photo, or a dense page: not line art
    if len(set(_INSTRUMENT.findall(text))) >= 3:
        return C.PID
    if len(set(_EQUIPMENT.findall(text))) >= 2 and _STREAM.search(text):
        return C.PFD
    if len(set(_DESIGNATOR.findall(text))) >= 4 and len(_VALUE.findall(text)) >= 2:
        return C.TECHNICAL_DIAGRAM
    rooms = {m.lower() for m in _ROOMS.findall(text)}
    if blue or len(rooms) >= 2 or (len(rooms) >= 1 and _SCALE.search(text)):
        return C.BLUEPRINT
    scale_bar = any(_SCALE_BAR.search(line) for line in lines)
    north = any(_NORTH.match(line.strip()) for line in lines)
    if (scale_bar or _LEGEND.search(text)) and (north or scale_bar) and len(lines) >= 4:
        return C.MAP
    return None


def drawing_fields(category: C, lines: list[str]) -> dict[str, Any]:
    """What the drawing's text says, for its category's fields."""
    text = "\n".join(lines)
    scale = _SCALE.search(text)
    if category is C.PID:
        return {
            "instruments": sorted(set(_INSTRUMENT.findall(text))) or None,
            "equipment": sorted(set(_EQUIPMENT.findall(text))) or None,
            "line_numbers": sorted(set(_LINE_NUMBER.findall(text))) or None,
        }
    if category is C.PFD:
        return {
            "equipment": sorted(set(_EQUIPMENT.findall(text))) or None,
            "operating_conditions": {
                f"condition {i + 1}": m for i, m in enumerate(_STREAM.findall(text)[:20])
            }
            or None,
        }
    if category is C.TECHNICAL_DIAGRAM:
        return {
            "diagram_type": "electrical schematic",
            "components": sorted(set(_DESIGNATOR.findall(text))) or None,
        }
    if category is C.BLUEPRINT:
        rooms = list(dict.fromkeys(m.title() for m in _ROOMS.findall(text)))
        return {
            "drawing_type": "floor plan" if rooms else None,
            "rooms": rooms or None,
            "dimensions": list(dict.fromkeys(_DIMENSION.findall(text)))[:30] or None,
            "scale": scale.group(0).replace(" ", "") if scale else None,
        }
    if category is C.MAP:
        names = [
            name
            for line in lines
            if (name := line.strip(" ●•·*-–"))[:1].isupper()
            and sum(ch.isalpha() for ch in name) >= 3
            and not _LEGEND.search(name)
            and not _SCALE_BAR.search(name)
        ]
        bar = next((m.group(0) for line in lines if (m := _SCALE_BAR.search(line))), None)
        return {"place_names": names[:30] or None, "scale": scale.group(0) if scale else bar}
    return {}
