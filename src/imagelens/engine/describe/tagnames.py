"""Tag names in the request's language: the tagger's 1000 ImageNet classes and its concepts.

No package on PyPI translates ImageNet's class names, so ``imagenet_labels.tsv`` is ours: one
row per class (index, the English name the tagger's slug comes from, then the 11 other
languages; ``tests/test_tagger.py`` checks it against the label list). Concepts reuse the
description nouns. Tags stay English slugs for ``en``, as the API has always answered.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

from imagelens.engine.describe.phrases import CONCEPT_NOUNS, LANGS
from imagelens.engine.local.tagger import slugify
from imagelens.types import Language, TagScore

# Concept tags that the descriptions never name (they have no entry in CONCEPT_NOUNS).
_MORE_CONCEPTS: dict[str, tuple[str, ...]] = {
    "musical-instrument": ("musical instrument", "乐器", "Musikinstrument",
                           "instrumento musical", "instrument de musique", "楽器", "악기",
                           "soitin", "muziekinstrument", "instrumento musical",
                           "müzik aleti", "музыкальный инструмент"),
    "sports-equipment": ("sports equipment", "运动器材", "Sportgerät",
                         "equipo deportivo", "équipement sportif", "スポーツ用品",
                         "스포츠 용품", "urheiluväline", "sportartikel",
                         "equipamento esportivo", "spor malzemesi", "спортивный инвентарь"),
}  # fmt: skip


@cache
def _names() -> dict[str, dict[str, str]]:
    """English tag slug -> {language code: name}."""
    table = resources.files(__package__) / "imagenet_labels.tsv"
    header, *rows = table.read_text(encoding="utf-8").splitlines()
    langs = header.split("\t")[1:]
    names: dict[str, dict[str, str]] = {}
    for row in rows:
        _index, *cells = row.split("\t")
        names[slugify(cells[0])] = dict(zip(langs, cells, strict=True))
    for concept, words in _MORE_CONCEPTS.items():
        names[concept] = dict(zip(LANGS, words, strict=True))
    names.update(CONCEPT_NOUNS)
    return names


def tag_name(tag: str, lang: Language) -> str:
    """``tag`` (a tagger slug or concept) in ``lang``; unknown tags come back unchanged."""
    if lang is Language.EN:
        return tag
    names = _names().get(tag)
    return names[lang.value] if names else tag


def tag_names(tags: Iterable[str], lang: Language) -> list[str]:
    """:func:`tag_name` of each tag, duplicates dropped (two classes may share a name)."""
    return list(dict.fromkeys(tag_name(tag, lang) for tag in tags))


@cache
def _slugs_by_name() -> dict[str, str]:
    """Any language's tag name (lowercased) or slug -> the English slug."""
    found: dict[str, str] = {}
    for slug, names in _names().items():
        found.setdefault(slug, slug)
        for name in names.values():
            found.setdefault(name.casefold(), slug)
    return found


def every_name(tag: str) -> list[str]:
    """``tag`` (a slug, or its name in any of the 12 languages) in every language, so a
    search in any of them finds it; unknown tags come back alone."""
    slug = _slugs_by_name().get(tag.casefold())
    if slug is None:
        return [tag]
    return list(dict.fromkeys([slug.replace("-", " "), *_names()[slug].values()]))


def localized_scores(scores: Iterable[TagScore], lang: Language) -> list[TagScore]:
    return [s.model_copy(update={"name": tag_name(s.name, lang)}) for s in scores]
