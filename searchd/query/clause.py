"""The planned words of a query, as ranking scores them: one WordClause per word typed (its
own terms, its compound parts, its near spellings, what it derives from), the WordsQuery of
them (an Or of all their terms to Whoosh), and the weights of each kind of match. Made by
the planner (words.py), read by ranking, explain, missing words and highlighting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq


@dataclass(frozen=True)
class Weights:
    """How much each kind of match counts, relative to a match of the word itself."""

    parts: float = 0.5        # all parts of a query compound, apart in a document
    part: float = 0.5         # one part of it alone (inside a compound of the document)
    part_match: float = 0.5   # how much of a word one part of it alone counts as matched
    parts_inside_match: float = 1.0  # ... all its parts, some only inside other compounds
    typo: float = 0.6         # a near spelling of a word
    inside: float = 0.5       # the word as a part of a document's compound
    inside_match: float = 1.0  # how much of a word that counts as matched
    derived: float = 0.6      # the verb or adjective a noun is derived from
    coordination: float = 1.0  # score times (words matched / words) ** this
    written_parts: float = 2.0  # score times this: an absent compound's parts as written


@dataclass(frozen=True)
class WordClause:
    """One query word: Term queries (over the fields) of its own terms, of each compound
    part, and the clauses of its near spellings."""

    word: str
    own: tuple[wq.Term, ...]
    # per compound part: its Terms as a word, and as a part of a document's compound (~)
    parts: tuple[tuple[tuple[wq.Term, ...], tuple[wq.Term, ...]], ...] = ()
    inside: tuple[wq.Term, ...] = ()  # the word as a part of a document's compounds
    derived: tuple[wq.Term, ...] = ()  # what the word derives from (aflossing: aflossen)
    typos: tuple[WordClause, ...] = ()
    correction: str | None = None  # the most frequent near spelling, for "Bedoelde u"
    # a compound no document holds: its parts as written in it (words field), each a Term;
    # documents holding them so rank before those holding other forms of them
    written_parts: tuple[wq.Term, ...] = ()

    def terms(self) -> list[wq.Term]:
        """Every Term of the clause, near spellings included."""
        found = list(self.own) + list(self.inside) + list(self.derived) + \
            [t for word, inside in self.parts for t in word + inside]
        return found + [t for typo in self.typos for t in typo.terms()]


class WordsQuery(wq.Or):
    """The clauses of a free-text query; an Or of all their terms to Whoosh (so its leaves
    are the terms to highlight), scored clause by clause by ranking.py."""

    def __init__(self, clauses: Sequence[WordClause], weights: Weights = Weights(),
                 boost: float = 1.0, alternatives: bool = False) -> None:
        terms = [t for clause in clauses for t in clause.terms()]
        super().__init__(terms or [wq.NullQuery], boost=boost)
        self.clauses = tuple(clauses)
        self.weights = weights
        self.alternatives = alternatives  # a prefix's expansions: not words typed

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordsQuery) and (self.clauses, self.weights, self.boost) \
            == (other.clauses, other.weights, other.boost)

    def __hash__(self) -> int:
        return hash((self.clauses, self.weights, self.boost))

    def __repr__(self) -> str:
        return f"WordsQuery({[c.word for c in self.clauses]!r})"

    def apply(self, fn: Any) -> WordsQuery:
        return self  # its terms are plain terms: nothing to bound or rewrite

    def normalize(self) -> wq.Query:
        return self if self.clauses else wq.NullQuery


def clauses(q: wq.Query) -> list[WordClause]:
    """The word clauses of every WordsQuery in q (the words the planner planned; not the
    expansions of a prefix, which are alternatives, not words typed)."""
    if isinstance(q, WordsQuery):
        return [] if q.alternatives else list(q.clauses)
    if q.is_leaf():
        return []
    return [c for child in q.children() for c in clauses(child)]
