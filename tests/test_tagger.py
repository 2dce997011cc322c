from __future__ import annotations

import re
from importlib import resources

import pytest

from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.describe.phrases import LANGS
from imagelens.engine.describe.tagnames import tag_name
from imagelens.engine.local.concepts import MEMBERS, PARENTS, concepts_of
from imagelens.engine.local.tagger import load_labels, slugify
from imagelens.types import Language
from tests.imagegen import encode, photo

TAGS_ONLY = AnalysisOptions(analyzers=frozenset({"tags"}))


@pytest.mark.parametrize(
    ("name", "expected_any", "concept"),
    [
        ("chelsea", {"tabby-cat", "tiger-cat", "egyptian-mau", "persian-cat"}, "cat"),
        ("coffee", {"espresso", "coffee-mug", "tea-cup"}, "drink"),
        ("rocket", {"missile", "rocket", "space-shuttle"}, None),
    ],
)
def test_real_photos_get_the_right_tags(
    engine: Engine, name: str, expected_any: set[str], concept: str | None
) -> None:
    result = engine.analyze(encode(photo(name)), TAGS_ONLY)
    assert expected_any & set(result.tags), result.tags
    if concept:
        assert concept in result.tags
    assert all(t == slugify(t) for t in result.tags)
    assert len(result.tags) == len(set(result.tags))


def test_cat_implies_animal(engine: Engine) -> None:
    result = engine.analyze(encode(photo("chelsea")), TAGS_ONLY)
    scores = {t.name: t for t in result.tag_scores}
    assert scores["animal"].kind == "concept" and scores["animal"].confidence > 0.5
    assert result.confidence_score is not None and result.confidence_score > 0.3


def test_concept_table_points_at_the_right_classes() -> None:
    labels = load_labels()
    assert len(labels) == 1000
    assert all(0 <= i < 1000 for members in MEMBERS.values() for i in members)
    assert labels[817] == "sports car" and "car" in concepts_of(817)
    assert labels[967] == "espresso" and "drink" in concepts_of(967)
    assert labels[665] == "moped" and "vehicle" in concepts_of(665)
    assert labels[281] == "tabby cat" and {"cat", "animal"} <= set(concepts_of(281))
    assert labels[954] == "banana" and {"fruit", "food"} <= set(concepts_of(954))
    assert all(child in MEMBERS and parent in MEMBERS for child, parent in PARENTS.items())


def test_slugify() -> None:
    assert slugify("Pendant lighting") == "pendant-lighting"
    assert slugify("  Granny Smith apple!") == "granny-smith-apple"


def test_every_class_has_a_name_in_every_language() -> None:
    """The translation table lines up with the tagger's labels, row for row."""
    rows = (
        (resources.files("imagelens.engine.describe") / "imagenet_labels.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    header, body = rows[0].split("\t"), [row.split("\t") for row in rows[1:]]
    assert header == ["index", *LANGS]
    assert [row[:2] for row in body] == [[str(i), label] for i, label in enumerate(load_labels())]
    assert all(len(row) == 13 and all(cell.strip() for cell in row) for row in body)
    assert tag_name("egyptian-mau", Language.ZH) == "埃及猫"
    assert tag_name("sports-equipment", Language.DE) == "Sportgerät"
    assert tag_name("animal", Language.FR) == "animal"
    assert tag_name("egyptian-mau", Language.EN) == "egyptian-mau"
    # Every tag the tagger can give has a name: in Russian, each is written in Cyrillic
    # (an unknown tag would come back as its English slug), two brand names aside.
    every_tag = {slugify(label) for label in load_labels()} | set(MEMBERS) | set(PARENTS.values())
    russian = {tag: tag_name(tag, Language.RU) for tag in every_tag}
    latin_only = {name for name in russian.values() if not re.search("[а-яё]", name, re.I)}
    assert latin_only == {"iPod", "Ford Model T"}


@pytest.mark.parametrize("lang", [Language.ZH, Language.DE, Language.JA, Language.RU])
def test_tags_and_description_come_in_the_requested_language(
    engine: Engine, lang: Language
) -> None:
    english = engine.analyze(encode(photo("chelsea")))
    result = engine.analyze(encode(photo("chelsea")), AnalysisOptions(lang=lang))
    assert len(result.tags) == len(english.tags)
    assert all(tag_name(en, lang) == tag for en, tag in zip(english.tags, result.tags, strict=True))
    assert [s.name for s in result.tag_scores] == result.tags
    assert tag_name("cat", lang) in result.tags
    if lang is not Language.DE:  # the other scripts have no Latin letters at all
        words = " ".join([result.description, *result.tags])
        assert not re.search("[A-Za-z]", words), words
