"""The clustering decision alone (no database): votes, new people, merges, names."""

from __future__ import annotations

from imagelens.people.cluster import Decision, decide
from imagelens.people.store import Owner

MATCH, MERGE = 0.5, 0.4


def _owners(*rows: tuple[str, str, str | None]) -> dict[str, Owner]:
    return {face: Owner(face, person, name, "img") for face, person, name in rows}


def _decide(near: list[tuple[str, float]], owners: dict[str, Owner], **kw: object) -> Decision:
    return decide(near, owners, match_distance=MATCH, merge_distance=MERGE, **kw)  # type: ignore[arg-type]


def test_nothing_near_starts_a_new_person() -> None:
    owners = _owners(("f1", "p1", None))
    assert _decide([("f1", 0.55)], owners) == Decision(None)
    assert _decide([], {}) == Decision(None)


def test_several_close_faces_outvote_one_look_alike() -> None:
    owners = _owners(("a", "lookalike", None), ("b", "p", None), ("c", "p", None), ("d", "p", None))
    near = [("a", 0.42), ("b", 0.44), ("c", 0.45), ("d", 0.46)]
    assert _decide(near, owners) == Decision("p")


def test_a_person_already_in_the_image_is_not_joined_twice() -> None:
    owners = _owners(("a", "p", None), ("b", "q", None))
    assert _decide([("a", 0.1), ("b", 0.45)], owners, taken=["p"]) == Decision("q")
    assert _decide([("a", 0.1)], owners, taken=["p"]) == Decision(None)


def test_a_face_linking_two_unnamed_people_merges_them() -> None:
    owners = _owners(("a", "p", None), ("b", "q", None))
    assert _decide([("a", 0.2), ("b", 0.35)], owners) == Decision("p", ("q",))
    # Linked only loosely (past merge_distance): no merge.
    assert _decide([("a", 0.2), ("b", 0.45)], owners) == Decision("p")


def test_two_named_people_are_never_merged() -> None:
    owners = _owners(("a", "p", "Ann"), ("b", "q", "Bea"), ("c", "r", None))
    assert _decide([("a", 0.2), ("b", 0.3), ("c", 0.35)], owners) == Decision("p", ("r",))
    owners = _owners(("a", "p", None), ("b", "q", "Ann"), ("c", "r", "Bea"))
    assert _decide([("a", 0.2), ("b", 0.3), ("c", 0.35)], owners) == Decision("p")


def test_an_unnamed_winner_goes_into_the_one_named_person() -> None:
    owners = _owners(("a", "p", None), ("b", "q", "Ann"))
    assert _decide([("a", 0.2), ("b", 0.3)], owners) == Decision("q", ("p",))


def test_faces_gone_since_the_index_was_read_do_not_vote() -> None:
    assert _decide([("gone", 0.1)], {}) == Decision(None)


def test_a_reanalysed_face_keeps_its_person() -> None:
    owners = _owners(("old", "ada", "Ada"), ("a", "p", None), ("b", "p", None), ("c", "p", None))
    near = [("a", 0.1), ("b", 0.1), ("c", 0.1), ("old", 0.2)]
    assert _decide(near, owners) == Decision("ada", ("p",))  # the named one takes them in
    owners = _owners(("old", "q", None), ("a", "p", "Ann"), ("b", "p", "Ann"))
    near = [("a", 0.1), ("b", 0.1), ("old", 0.45)]
    assert _decide(near, owners) == Decision("p")
    assert _decide(near, owners, keep=["q"]) == Decision("q")
