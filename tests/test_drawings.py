"""Drawings on `auto`: floor plans and blueprints, P&IDs, schematics and maps get their own
categories and fields from what they print, and pages, screenshots and photos do not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PIL import Image

from imagelens.engine import AnalysisOptions, Engine
from imagelens.types import ContentCategory as C
from imagelens.types import Language
from tests.drawings import floor_plan, map_image, pid, schematic
from tests.imagegen import encode, photo, text_page

AUTO = AnalysisOptions(category=C.AUTO)


@pytest.mark.parametrize(
    ("make", "category"),
    [
        (floor_plan, C.BLUEPRINT),
        (lambda: floor_plan(blueprint=True), C.BLUEPRINT),
        (pid, C.PID),
        (schematic, C.TECHNICAL_DIAGRAM),
        (map_image, C.MAP),
        (lambda: text_page().image, C.DOCUMENT),
        (lambda: photo("coffee"), C.GENERAL),
    ],
)
def test_auto_category(engine: Engine, make: Callable[[], Image.Image], category: C) -> None:
    assert engine.analyze(encode(make()), AUTO).category == category


def test_fields_come_from_what_the_drawing_prints(engine: Engine) -> None:
    plan = engine.analyze(encode(floor_plan()), AUTO).extracted or {}
    assert plan["scale"] == "1:100" and plan["drawing_type"] == "floor plan"
    assert {"Kitchen", "Bedroom", "Bathroom"} <= set(plan["rooms"])
    tags = engine.analyze(encode(pid()), AUTO).extracted or {}
    assert {"FV-101", "PT-102", "LIC-104"} <= set(tags["instruments"])
    assert tags["equipment"] == ["P-101", "V-101"] and tags["line_numbers"] == ['4"-P-1001-A1']
    parts = engine.analyze(encode(schematic()), AUTO).extracted or {}
    assert {"R1", "C1", "U1"} <= set(parts["components"])
    where = engine.analyze(encode(map_image()), AUTO).extracted or {}
    assert {"Riverside", "Oakford", "Millbrook"} <= set(where["place_names"])
    assert where["scale"] == "0 5 km"


def test_drawings_are_described_as_drawings(engine: Engine) -> None:
    plan = engine.analyze(encode(floor_plan()), AUTO).description
    assert plan.startswith("A floor plan with") and "photo" not in plan
    german = engine.analyze(encode(pid()), AnalysisOptions(category=C.AUTO, lang=Language.DE))
    assert german.description.startswith("Ein R&I-Fließschema")
