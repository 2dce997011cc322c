"""Query rebuilding and rank fusion without a server: any text a user types becomes a valid
FTS5 expression (checked on a real FTS5 table) and a valid tsquery (on the PostgreSQL the
tests use), and reciprocal rank fusion orders as it should."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
import sqlalchemy
from hypothesis import given, settings
from hypothesis import strategies as st

from imagelens.db.ftsquery import MAX_WORDS, parse, to_fts5, to_tsquery
from imagelens.errors import InvalidInput
from imagelens.service.search import decode_cursor, encode_cursor, fuse
from tests.live import PG_SERVER

# Characters either query language gives a meaning to, plus letters, spaces and other scripts.
SYNTAX = [*"\"'()*:-+^&|!<>{}[],.;\\/", "NEAR", "AND", "OR", "NOT", " ", "\t"]
QUERIES = st.lists(
    st.one_of(st.sampled_from(SYNTAX), st.text(min_size=1, max_size=8)), max_size=40
).map("".join)


@pytest.fixture(scope="module")
def fts5() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.execute("INSERT INTO t VALUES ('a tabby cat sleeps', 'TAX INVOICE 12.50')")
    yield db
    db.close()


@pytest.fixture(scope="module")
def postgres() -> Iterator[sqlalchemy.Connection]:
    engine = sqlalchemy.create_engine(f"{PG_SERVER}/test")
    with engine.connect() as connection:
        yield connection
    engine.dispose()


@settings(max_examples=400, deadline=None)
@given(QUERIES)
def test_any_text_is_a_valid_fts5_query(fts5: sqlite3.Connection, text: str) -> None:
    query = parse(text)
    if not query.empty:
        fts5.execute("SELECT count(*) FROM t WHERE t MATCH ?", (to_fts5(query),)).fetchall()


@settings(max_examples=200, deadline=None)
@given(QUERIES)
def test_any_text_is_a_valid_tsquery(postgres: sqlalchemy.Connection, text: str) -> None:
    query = parse(text.replace("\x00", " "))
    if not query.empty:
        statement = sqlalchemy.text("SELECT to_tsquery('english', :q) || to_tsquery('simple', :q)")
        postgres.execute(statement, {"q": to_tsquery(query)})


def _match(fts5: sqlite3.Connection, text: str) -> bool:
    rows = fts5.execute("SELECT count(*) FROM t WHERE t MATCH ?", (to_fts5(parse(text)),))
    return bool(rows.fetchone()[0])


def test_what_a_user_can_say(fts5: sqlite3.Connection) -> None:
    assert _match(fts5, "sleeping")  # stems
    assert _match(fts5, "tab")  # the last word is a prefix as you type
    assert not _match(fts5, "tab cat ")  # ... unless a space follows it
    assert _match(fts5, "invo*")
    assert _match(fts5, '"tabby cat"') and not _match(fts5, '"cat tabby"')
    assert _match(fts5, "dog OR cat") and not _match(fts5, "dog cat")
    assert not _match(fts5, "cat -invoice") and _match(fts5, "cat -dog")
    assert _match(fts5, "12.50")


def test_words_are_capped_and_nothing_is_empty() -> None:
    assert parse('" ( * - : ').empty
    assert parse("-cat").empty  # nothing left to look for
    long = parse("word " * 500)
    assert sum(len(t.words) for g in long.groups for t in g) == MAX_WORDS


def test_rank_fusion_favours_what_both_rankings_agree_on() -> None:
    fused = fuse([["a", "b", "c"], ["b", "d", "a"]])
    assert [i for i, _ in fused] == ["b", "a", "d", "c"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


def test_cursors_round_trip_and_refuse_others() -> None:
    assert decode_cursor(encode_cursor(40)) == 40
    assert decode_cursor(None) == 0
    for bad in ("!!", "cmFuayx4", encode_cursor(3)[:-1] + "A"):
        with pytest.raises(InvalidInput):
            decode_cursor(bad)
