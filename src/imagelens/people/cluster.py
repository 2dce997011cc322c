"""Which person a new face joins: its nearest faces vote, and a face that sits tightly
between two people may join them into one. Pure: given neighbours and their owners, no
database and no lock (the caller holds both).

A vote is weighted by closeness (1 at distance 0, 0 at ``match_distance``), so one very
close face is worth more than several far ones, and a person with many faces near the new
one outweighs a lone look-alike. A re-analysis keeps who a face was: a person the same face
belonged to before (``keep``) wins if it has a vote at all. Never joined: a person already
given to another face of the same picture (one photo, page or frame does not show a person
twice). Never merged: two people with names, unless nothing else differs than that one of
them lacks one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from imagelens.people.store import Owner


@dataclass(frozen=True, slots=True)
class Decision:
    """Join ``person_id`` (None: start a new person), after merging ``merge`` into it."""

    person_id: str | None
    merge: tuple[str, ...] = field(default=())


def decide(
    neighbours: Sequence[tuple[str, float]],
    owners: Mapping[str, Owner],
    *,
    match_distance: float,
    merge_distance: float,
    taken: Collection[str] = (),
    keep: Collection[str] = (),
) -> Decision:
    """``neighbours``: (face id, distance) nearest first; ``owners``: their current people;
    ``taken``: people already given to other faces of the same picture (page, frame);
    ``keep``: the people of this face's earlier copies on the same image (a re-analysis)."""
    votes: dict[str, float] = {}
    closest: dict[str, float] = {}
    named: dict[str, str | None] = {}
    for face_id, distance in neighbours:
        owner = owners.get(face_id)
        if owner is None or owner.person_id in taken or distance > match_distance:
            continue  # gone since the index was read, already in this image, or too far
        person = owner.person_id
        votes[person] = votes.get(person, 0.0) + (1.0 - distance / match_distance) + 1e-6
        closest[person] = min(closest.get(person, distance), distance)
        named[person] = owner.name
    if not votes:
        return Decision(None)
    kept = [p for p in votes if p in keep] or list(votes)
    winner = max(kept, key=lambda p: (votes[p], -closest[p]))
    if closest[winner] > merge_distance:
        return Decision(winner)
    linked = [p for p in votes if p != winner and closest[p] <= merge_distance]
    unnamed = tuple(sorted(p for p in linked if named[p] is None))
    if named[winner] is not None:
        return Decision(winner, unnamed)
    names = {named[p] for p in linked if named[p] is not None}
    holders = [p for p in linked if named[p] is not None]
    if len(names) == 1 and len(holders) == 1:
        # The unnamed winner and its unnamed links go into the one named person.
        return Decision(holders[0], tuple(sorted((*unnamed, winner))))
    return Decision(winner, unnamed)
