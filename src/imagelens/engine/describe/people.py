"""Naming the people in a description: "Two people: Ada and one person not yet named."

Used when recognition named at least one face; otherwise the description keeps counting
faces ("Three people are visible (3 faces)."). Hand-written per language, with each
language's plural: Finnish counts in the partitive singular, Russian has three forms."""

from __future__ import annotations

from collections.abc import Sequence

# people1/people: the sentence for one / n people; unnamed1/unnamed(_few): the unnamed rest;
# sep/and: how a list of names is joined.
PEOPLE: dict[str, dict[str, str]] = {
    "en": {"people1": "One person: {names}.", "people": "{n} people: {names}.",
           "unnamed1": "one person not yet named", "unnamed": "{n} people not yet named",
           "sep": ", ", "and": " and "},
    "zh": {"people1": "一个人：{names}。", "people": "{n}个人：{names}。",
           "unnamed1": "一位尚未命名的人", "unnamed": "{n}位尚未命名的人",
           "sep": "、", "and": "和"},
    "de": {"people1": "Eine Person: {names}.", "people": "{n} Personen: {names}.",
           "unnamed1": "eine noch unbenannte Person", "unnamed": "{n} noch unbenannte Personen",
           "sep": ", ", "and": " und "},
    "es": {"people1": "Una persona: {names}.", "people": "{n} personas: {names}.",
           "unnamed1": "una persona aún sin nombre", "unnamed": "{n} personas aún sin nombre",
           "sep": ", ", "and": " y "},
    "fr": {"people1": "Une personne : {names}.", "people": "{n} personnes : {names}.",
           "unnamed1": "une personne pas encore nommée",
           "unnamed": "{n} personnes pas encore nommées", "sep": ", ", "and": " et "},
    "ja": {"people1": "1人：{names}。", "people": "{n}人：{names}。",
           "unnamed1": "まだ名前のない1人", "unnamed": "まだ名前のない{n}人",
           "sep": "、", "and": "と"},
    "ko": {"people1": "사람 1명: {names}.", "people": "사람 {n}명: {names}.",
           "unnamed1": "아직 이름이 없는 1명", "unnamed": "아직 이름이 없는 {n}명",
           "sep": ", ", "and": " 및 "},
    "fi": {"people1": "Yksi ihminen: {names}.", "people": "{n} ihmistä: {names}.",
           "unnamed1": "yksi vielä nimeämätön ihminen",
           "unnamed": "{n} vielä nimeämätöntä ihmistä", "sep": ", ", "and": " ja "},
    "nl": {"people1": "Eén persoon: {names}.", "people": "{n} personen: {names}.",
           "unnamed1": "één persoon nog zonder naam", "unnamed": "{n} personen nog zonder naam",
           "sep": ", ", "and": " en "},
    "pt": {"people1": "Uma pessoa: {names}.", "people": "{n} pessoas: {names}.",
           "unnamed1": "uma pessoa ainda sem nome", "unnamed": "{n} pessoas ainda sem nome",
           "sep": ", ", "and": " e "},
    "tr": {"people1": "Bir kişi: {names}.", "people": "{n} kişi: {names}.",
           "unnamed1": "henüz adı verilmemiş bir kişi", "unnamed": "henüz adı verilmemiş {n} kişi",
           "sep": ", ", "and": " ve "},
    "ru": {"people1": "Один человек: {names}.", "people": "Людей: {n} — {names}.",
           "unnamed1": "один человек без имени", "unnamed_few": "{n} человека без имени",
           "unnamed": "{n} человек без имени", "sep": ", ", "and": " и "},
}  # fmt: skip

_EN_COUNTS = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven",
              8: "Eight", 9: "Nine", 10: "Ten"}  # fmt: skip


def people_sentence(names: Sequence[str | None], lang: str) -> str | None:
    """The sentence naming ``names`` (one per face, None where unnamed); None when nobody
    is named (the caller then counts faces)."""
    named = list(dict.fromkeys(n for n in names if n))
    if not named:
        return None
    t = PEOPLE[lang]
    unnamed = sum(1 for n in names if not n)
    parts = named + ([_unnamed(t, unnamed, lang)] if unnamed else [])
    listed = parts[0] if len(parts) == 1 else t["sep"].join(parts[:-1]) + t["and"] + parts[-1]
    total = len(named) + unnamed
    if total == 1:
        return t["people1"].format(names=listed)
    count = _EN_COUNTS.get(total, str(total)) if lang == "en" else str(total)
    return t["people"].format(n=count, names=listed)


def _unnamed(t: dict[str, str], n: int, lang: str) -> str:
    if n == 1:
        return t["unnamed1"]
    if lang == "ru" and n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return t["unnamed_few"].format(n=n)
    return t["unnamed"].format(n=n)
