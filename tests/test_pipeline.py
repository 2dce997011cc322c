from __future__ import annotations

import asyncio

import pytest
from PIL import Image

from imagelens.config import Settings
from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.describe.phrases import LANGS
from imagelens.errors import AnalysisError, InvalidImage
from imagelens.intake import DecodedImage
from imagelens.types import ContentCategory, Language
from tests.imagegen import encode, photo, screenshot, text_page

AUTO = AnalysisOptions(category=ContentCategory.AUTO)


def test_full_result_for_a_photo(engine: Engine) -> None:
    result = engine.analyze(encode(photo("chelsea"), "JPEG"))
    assert result.backend == "local"
    assert result.category == "general"
    assert "cat" in result.description
    assert result.metadata.format == "JPEG" and result.metadata.media_type == "image"
    assert result.moderation is not None and not result.moderation.flagged
    assert result.colors is not None and result.colors.dominant
    assert result.extracted is not None and "objects" in result.extracted
    assert set(result.model_versions) == {
        "ocr",
        "tags",
        "moderation",
        "colors",
        "faces",
        "barcodes",
    }
    assert result.faces == []  # a cat, no face
    assert {"intake", "ocr", "tags", "moderation", "colors", "total"} <= set(result.timings_ms)


def test_document_classifies_as_document(engine: Engine) -> None:
    result = engine.analyze(encode(text_page().image), AUTO)
    assert result.category == "document"
    assert result.description.startswith("A document with 8 lines of text")
    assert result.extracted is not None
    assert result.extracted["document_type"] == "invoice"
    assert result.extracted["key_values"]["Customer"] == "Northwind Traders"
    assert result.extracted["emails"] == ["billing@example.org"]


def test_screenshot_classifies_as_screenshot(engine: Engine) -> None:
    result = engine.analyze(encode(screenshot()), AUTO)
    assert result.category == "screenshot", result.colors
    assert result.extracted is not None and "Inbox" in " ".join(result.extracted["ui_text"])


@pytest.mark.parametrize("name", ["chelsea", "coffee", "astronaut"])
def test_photos_stay_general_under_auto(engine: Engine, name: str) -> None:
    assert engine.analyze(encode(photo(name)), AUTO).category == "general"


def test_faces_are_counted(engine: Engine) -> None:
    result = engine.analyze(encode(photo("astronaut")))
    assert result.moderation is not None and result.moderation.face_count == 1
    assert "face" in result.description


def test_colors_of_a_solid_image(engine: Engine) -> None:
    image = Image.new("RGB", (300, 200), (200, 30, 30))
    result = engine.analyze(encode(image), AnalysisOptions(analyzers=frozenset({"colors"})))
    assert result.colors is not None
    assert result.colors.dominant[0].name == "red" and result.colors.dominant[0].fraction > 0.95
    assert result.colors.is_blurry  # a flat image has no edges at all


def test_description_in_every_language(engine: Engine) -> None:
    data = encode(photo("chelsea"))
    descriptions = {
        lang: engine.analyze(data, AnalysisOptions(lang=Language(lang))).description
        for lang in LANGS
    }
    assert len(set(descriptions.values())) == len(LANGS)
    assert "猫" in descriptions["zh"] and "Katze" in descriptions["de"]
    assert "кошка" in descriptions["ru"] and "kissa" in descriptions["fi"]
    # Only English quotes ImageNet's (English) label: "A photo of a cat (egyptian cat)."
    assert all(
        not any(ch.isascii() and ch.isalpha() for ch in descriptions[x]) for x in ("zh", "ja")
    )


def test_describe_markdown_headings_follow_the_language(engine: Engine) -> None:
    from imagelens.engine.analyst import Analyst
    from imagelens.intake import decode_image
    from tests.layouts import receipt

    analyst = Analyst(engine)
    german = analyst.describe(decode_image(encode(receipt().image)), "describe", Language.DE)
    assert "**Sichtbarer Text:**" in german and "Visible text" not in german
    assert "> CORNER MARKET" in german  # quoted text stays as read


def test_description_never_invents_a_subject(engine: Engine) -> None:
    noise = Image.effect_noise((256, 256), 80).convert("RGB")
    result = engine.analyze(encode(noise), AnalysisOptions(analyzers=frozenset({"colors"})))
    assert result.description.startswith("A photo in which no familiar object")
    assert result.tags == []


def test_analyze_async_runs_off_the_loop(engine: Engine) -> None:
    result = asyncio.run(engine.analyze_async(encode(photo("coffee"))))
    assert "espresso" in result.tags


def test_bad_bytes_raise_a_classified_error(engine: Engine) -> None:
    with pytest.raises(InvalidImage):
        engine.analyze(b"\xff\xd8\xff\xe0 broken jpeg")


class _Broken:
    name = "tags"
    version = "broken-1"

    def load(self) -> None:
        return None

    def run(self, image: DecodedImage) -> object:
        raise RuntimeError(f"model exploded on {image.format.value}")


def test_analyzer_failure_becomes_a_classified_error(settings: Settings) -> None:
    with Engine(settings, analyzers=[_Broken()]) as broken:
        with pytest.raises(AnalysisError) as info:
            broken.analyze(encode(photo("coffee")))
    assert info.value.to_dict() == {
        "type": "analysis_error",
        "message": "The tags analyzer failed: RuntimeError: model exploded on PNG",
        "retryable": True,
    }


def test_faces_are_counted_as_people() -> None:
    from imagelens.engine.base import Signals
    from imagelens.engine.describe.composer import compose_description
    from imagelens.types import ContentCategory, Moderation

    def described(faces: int, lang: Language) -> str:
        signals = Signals(moderation=Moderation(flagged=False, face_count=faces))
        return compose_description(signals, ContentCategory.GENERAL, lang)

    assert described(3, Language.EN).endswith("Three people are visible (3 faces).")
    assert described(1, Language.EN).endswith("One person is visible (one face).")
    assert described(12, Language.EN).endswith("12 people are visible (12 faces).")
    assert described(3, Language.DE).endswith("3 Personen sind zu sehen (3 Gesichter).")
    assert "people" not in described(0, Language.EN)
