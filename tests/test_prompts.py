"""describe-image prompts on the local engine: a table of prompts in several languages, each
answered from the local signals as far as they go (no VLM configured)."""

from __future__ import annotations

import pytest

from imagelens.engine import Engine
from imagelens.engine.analyst import Analyst
from imagelens.engine.describe.prompts import Intent, intent_of
from imagelens.intake import DecodedImage, decode_image
from imagelens.types import Language
from tests.imagegen import encode, photo
from tests.layouts import receipt

INTENTS = [
    ("Transcribe all the text in this image", Intent.TEXT),
    ("Extrahiere den Text aus dem Bild", Intent.TEXT),
    ("提取图中的文字", Intent.TEXT),
    ("Give me 5 keywords for this photo", Intent.TAGS),
    ("Donne-moi des mots-clés", Intent.TAGS),
    ("What are the main colours?", Intent.COLORS),
    ("¿Cuántas personas hay?", Intent.PEOPLE),
    ("Is this image safe for work?", Intent.SAFETY),
    ("What kind of document is this?", Intent.KIND),
    ("Briefly describe the content of the image", Intent.BRIEF),
    ("Опиши изображение подробно", Intent.DETAILED),
    ("Beschreibe das Bild", Intent.DESCRIBE),
    ("Who painted this, and in which year?", Intent.OTHER),
]


@pytest.mark.parametrize(("prompt", "intent"), INTENTS)
def test_intents(prompt: str, intent: Intent) -> None:
    assert intent_of(prompt) is intent


@pytest.fixture(scope="module")
def images() -> dict[str, DecodedImage]:
    return {
        "receipt": decode_image(encode(receipt().image)),
        "cat": decode_image(encode(photo("chelsea"), "JPEG")),
    }


def test_prompts_get_different_answers(engine: Engine, images: dict[str, DecodedImage]) -> None:
    analyst = Analyst(engine)
    cat, slip = images["cat"], images["receipt"]
    brief = analyst.describe(cat, "Briefly describe the content of the image", Language.EN)
    detailed = analyst.describe(cat, "Describe the image in detail", Language.EN)
    colours = analyst.describe(cat, "What are the main colours?", Language.EN)
    assert brief.startswith("A photo") and "\n" not in brief and "cat" in brief
    assert detailed.startswith(brief) and "**Tags:**" in detailed
    assert colours.startswith("- `#") and "%" in colours
    assert len({brief, detailed, colours}) == 3

    text = analyst.describe(slip, "Transcribe the text", Language.EN)
    assert text.splitlines()[0] == "CORNER MARKET" and "TOTAL 21.82" in text
    assert analyst.describe(cat, "Extrahiere den Text", Language.DE) == "Es ist kein Text zu sehen."
    tags = analyst.describe(cat, "keywords please", Language.EN)
    assert "cat" in tags and "," in tags and "photo" not in tags.lower()
    people = analyst.describe(cat, "How many people are there?", Language.EN)
    assert people.endswith("No people are visible (no faces).")
    assert analyst.describe(cat, "Is it safe?", Language.EN) == "Nothing unsafe was detected."


@pytest.mark.parametrize(
    ("lang", "needs_vlm"),
    [
        (Language.EN, "vision LLM"),
        (Language.ES, "LLM de visión"),
        (Language.JA, "ビジョンLLM"),
        (Language.DE, "Vision-LLM"),
    ],
)
def test_questions_it_cannot_answer_say_so_in_the_language(
    engine: Engine, images: dict[str, DecodedImage], lang: Language, needs_vlm: str
) -> None:
    answer = Analyst(engine).describe(images["cat"], "Who painted this, and when?", lang)
    assert answer.endswith((".", "。"))
    assert needs_vlm in answer.splitlines()[-1]
