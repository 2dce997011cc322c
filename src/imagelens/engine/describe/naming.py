"""Names in a shown description: the stored description counts faces ("Two people are
visible (2 faces)."); when it is shown, the sentence naming who they are now takes its place
("Two people: Ada and one person not yet named."). Kept apart because names change after an
analysis (named, merged, forgotten, recognition turned off) and must never outlive that."""

from __future__ import annotations

from collections.abc import Sequence

from imagelens.engine.describe.composer import faces_sentence
from imagelens.engine.describe.people import PEOPLE, people_sentence


def with_names(description: str, lang: str, faces: Sequence[tuple[str | None, str | None]]) -> str:
    """``description`` with its face count replaced by who the faces are: ``faces`` holds
    (person id, name) per counted face. Unchanged when nobody is named, or when the
    description does not count these faces (a VLM wrote it, or a video's frame)."""
    if lang not in PEOPLE:
        return description
    counted = faces_sentence(len(faces), lang)
    if not counted or counted not in description:
        return description
    # One entry per person (a person on three pages is one person), one per face left
    # unrecognised.
    people: dict[str, str | None] = {}
    unknown: list[None] = []
    for person_id, name in faces:
        if person_id is None:
            unknown.append(None)
        else:
            people.setdefault(person_id, name)
    named = people_sentence([*people.values(), *unknown], lang)
    return description.replace(counted, named, 1) if named else description
