"""Product shots and artwork under ``auto``, next to real photos that must stay photos."""

from __future__ import annotations

import pytest
from PIL import Image

from imagelens.engine import AnalysisOptions, Engine
from imagelens.types import ContentCategory, Language
from tests.imagegen import encode, photo
from tests.pictures import illustration, product_shot

AUTO = AnalysisOptions(category=ContentCategory.AUTO)


@pytest.mark.parametrize("colour", [(178, 34, 40), (40, 70, 160)])
def test_a_studio_product_shot_is_a_product_photo(engine: Engine, colour: tuple[int, ...]) -> None:
    image = product_shot((colour[0], colour[1], colour[2]))
    result = engine.analyze(encode(image, "JPEG", quality=88), AUTO)
    assert result.category == "product_photo"
    assert result.description.startswith("A product photo of a")
    assert result.extracted is not None and result.extracted["background"] == "plain"
    assert result.extracted["product_type"] in {"coffee-mug", "tea-cup", "cup", "pitcher"}


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_flat_shaded_illustration_is_artwork(engine: Engine, fmt: str) -> None:
    result = engine.analyze(encode(illustration(), fmt), AUTO)
    assert result.category == "artwork"
    assert result.description == "A piece of artwork."
    assert result.extracted is not None and result.extracted["colors"]
    german = engine.analyze(
        encode(illustration(), fmt),
        AnalysisOptions(category=ContentCategory.AUTO, lang=Language.DE),
    )
    assert german.description == "Ein Kunstwerk."


@pytest.mark.parametrize(
    "name",
    ["astronaut", "chelsea", "coffee", "rocket", "grace_hopper", "coins", "hubble_deep_field",
     "immunohistochemistry", "retina", "clock", "colorwheel"],
)  # fmt: skip
def test_real_photos_stay_photos(engine: Engine, name: str) -> None:
    image: Image.Image = photo(name)
    for data in (encode(image), encode(image, "JPEG", quality=85)):
        assert engine.analyze(data, AUTO).category == "general", name


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "coffee", "rocket", "coins", "camera"])
def test_real_photos_are_described_as_photos_under_the_default_category(
    engine: Engine, name: str
) -> None:
    result = engine.analyze(encode(photo(name), "JPEG", quality=85))
    assert result.category == "general"
    assert result.description.startswith(("A photo", "One person")), result.description
