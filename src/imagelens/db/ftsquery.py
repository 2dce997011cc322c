"""A user's search words -> an FTS5 MATCH string or a PostgreSQL tsquery, never a syntax error.

Both engines have a strict query language (FTS5 fails on a stray ``"``, ``(``, ``:``,
``NEAR``, ``*``...; ``to_tsquery`` on ``&``, ``!``, ``'``), so nothing the user typed reaches
them as syntax: the query is cut into words (letters and digits, as both tokenizers see
them) and rebuilt from quoted words only. What a user can say:

    cat sleeping      every word (stemmed: "sleeping" finds "sleeps")
    "black cat"       a phrase: the words next to each other, in order
    harv*             a prefix; the last word of a query is also a prefix (search as you type)
    cat OR dog        either
    -dog              not this word or phrase (needs at least one word to look for)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# Letters and digits of any script; "_" and everything else separate words, as in unicode61.
_WORD = re.compile(r"[^\W_]+")
# A quoted phrase (an unclosed quote runs to the end) or a run of anything but space and ".
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(\S+?)(?="|\s|$)')
MAX_WORDS = 32
MAX_WORD_CHARS = 64
# A word this short is not widened to a prefix by itself (it would match too much).
AUTO_PREFIX_MIN = 3

Prefix = Literal["no", "yes", "auto"]


@dataclass(frozen=True)
class Term:
    """One word or phrase; ``prefix`` "auto": the word itself or any word it begins."""

    words: tuple[str, ...]
    prefix: Prefix = "no"
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """All of ``groups`` (each: any of its terms), none of ``excluded``."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.groups


def parse(query: str) -> ParsedQuery:
    """The terms of ``query``; empty when it holds no word to look for."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    budget = MAX_WORDS
    join_next = False
    for match in _CHUNK.finditer(query):
        negated_phrase, phrase, bare = match.groups()
        if bare == "OR":
            join_next = bool(groups)
            continue
        if phrase is not None:
            term = _term(phrase, negated=bool(negated_phrase), prefix="no")
        else:
            negated = bare.startswith("-") and len(bare) > 1
            prefix: Prefix = "yes" if bare.endswith("*") else "no"
            term = _term(bare, negated=negated, prefix=prefix)
        if term is None or budget < len(term.words):
            join_next = False
            continue
        budget -= len(term.words)
        if term.negated:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    if groups and not query[-1:].isspace():
        groups[-1] = [*groups[-1][:-1], _auto_prefix(groups[-1][-1])]
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(excluded) if groups else ())


def _term(text: str, *, negated: bool, prefix: Prefix) -> Term | None:
    words = tuple(w[:MAX_WORD_CHARS] for w in _WORD.findall(text))
    return Term(words, prefix, negated) if words else None


def _auto_prefix(term: Term) -> Term:
    if term.prefix != "no" or len(term.words) != 1 or len(term.words[0]) < AUTO_PREFIX_MIN:
        return term
    return Term(term.words, "auto")


def to_fts5(query: ParsedQuery) -> str:
    """An FTS5 MATCH expression made of double-quoted words only."""
    required = " AND ".join(_any(g, _fts5_term, " OR ") for g in query.groups)
    if not query.excluded:
        return required
    return f"({required})" + "".join(f" NOT {_fts5_term(t)}" for t in query.excluded)


def _fts5_term(term: Term) -> str:
    quoted = '"' + " ".join(term.words) + '"'
    if term.prefix == "auto":
        return f"({quoted} OR {quoted}*)"
    return quoted + ("*" if term.prefix == "yes" else "")


def to_tsquery(query: ParsedQuery) -> str:
    """A ``to_tsquery`` input made of single-quoted words only."""
    parts = [_any(g, _ts_term, " | ") for g in query.groups]
    parts += [f"!{_ts_term(t)}" for t in query.excluded]
    return " & ".join(parts)


def _ts_term(term: Term) -> str:
    words = [f"'{w}'" for w in term.words]
    if term.prefix == "yes":
        words[-1] += ":*"
    if term.prefix == "auto":
        return f"({words[0]} | {words[0]}:*)"
    return "(" + " <-> ".join(words) + ")"


def _any(terms: tuple[Term, ...], render: Callable[[Term], str], glue: str) -> str:
    rendered = [render(t) for t in terms]
    return rendered[0] if len(rendered) == 1 else "(" + glue.join(rendered) + ")"
