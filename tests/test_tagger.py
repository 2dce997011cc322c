from __future__ import annotations

import pytest

from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.local.concepts import MEMBERS, PARENTS, concepts_of
from imagelens.engine.local.tagger import load_labels, slugify
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
