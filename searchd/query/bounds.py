"""What one query may cost: every user-controlled size has a named bound here, and a query
that passes one is cut down with a notice (or refused) instead of keeping a worker busy.

- syntax: operators and nesting are counted before Whoosh's parser sees the text; past
  MAX_OPERATORS or MAX_DEPTH the query is searched as its plain words;
- query kinds: `*` alone (every document) and ranges are never searched; at most
  MAX_PATTERNS patterns and MAX_PHRASES phrases; a pattern is searched as its
  MAX_EXPANSIONS most frequent words; a phrase of words so common that checking their
  positions would cost more than MAX_PHRASE_POSITIONS is searched as words that must all
  occur;
- work: what still runs through Whoosh's matchers (phrases) is checked against a budget of
  CPU time per search (query/budget.py).
"""

from __future__ import annotations

import re
from typing import Any

from whoosh import query as wq

from .. import storage
from ..analysis.lemmas import PART_MARK
from ..schema import BODY
from .clause import Weights, WordsQuery

MAX_QUERY_CHARS = 1000
MAX_OPERATORS = 20      # AND, OR, NOT, ANDNOT, ANDMAYBE, REQUIRE, +word, -word, "(" together
MAX_DEPTH = 6           # nested parentheses
MIN_PREFIX = 2          # letters before a * or ? in a pattern
MAX_PATTERNS = 5        # words with * or ? in one query
MAX_EXPANSIONS = 20     # words a pattern is searched as
INSIDE = Weights().inside  # a prefix matched by a part of a compound, as a word is
MAX_SCANNED = 20_000    # words of the index a pattern may run through
MAX_PHRASES = 5         # "phrases" in one query
MAX_PHRASE_POSITIONS = 200_000  # positions of a phrase's words in the index (~2 us each)
_QUOTED = re.compile(r'"[^"]*"?')
_OPERATOR = re.compile(r"(?<![^\s(])(?:AND|OR|NOT|ANDNOT|ANDMAYBE|REQUIRE|EN|OF|NIET)"
                       r"(?![^\s)])"
                       r"|(?<![^\s(])[+-](?=[^\s+-])|\(")
_RANGES = (wq.TermRange, wq.NumericRange, wq.DateRange)


def syntax_notice(text: str) -> str | None:
    """Why text must be searched as plain words (too many operators, too deep), or None."""
    unquoted = _QUOTED.sub(" ", text)
    operators = len(_OPERATOR.findall(unquoted))
    if operators > MAX_OPERATORS:
        return (f"the query has {operators} operators and groups (at most {MAX_OPERATORS}); "
                "searched as plain words")
    if _depth(unquoted) > MAX_DEPTH:
        return (f"parentheses are nested more than {MAX_DEPTH} deep; searched as plain "
                "words")
    return None


def _depth(text: str) -> int:
    """How deep the parentheses of text nest (unbalanced ones count as they come)."""
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    return deepest


class _Bounder:
    """Walks a parsed query once, replacing what would cost too much, and collects one
    notice per cut (not one per field the cut query was searched in)."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.notices: dict[str, str] = {}
        self.patterns: list[str] = []  # the patterns kept so far, in query order
        self.phrases: list[str] = []

    def note(self, subject: str, message: str) -> None:
        """Record a notice about subject (the first one for a subject wins)."""
        self.notices.setdefault(subject, f"{subject}: {message}")

    def bound(self, q: wq.Query) -> wq.Query:
        """q with every over-costly part replaced."""
        if isinstance(q, WordsQuery):  # terms only: nothing to bound
            return q
        if isinstance(q, wq.Every):
            self.note("*", f"a pattern needs at least {MIN_PREFIX} letters before * or ?; "
                      "left out")
            return wq.NullQuery
        if isinstance(q, _RANGES):
            self.note(f"[{q.start} TO {q.end}]", "ranges are not searched; left out")
            return wq.NullQuery
        if isinstance(q, (wq.Prefix, wq.Wildcard)):
            return self._pattern(q)
        if isinstance(q, wq.Phrase):
            return self._phrase(q)
        return q.apply(self.bound) if not q.is_leaf() else q

    def _admit(self, kept: list[str], subject: str, most: int, kind: str) -> bool:
        """True when subject is among the first `most` of its kind in the query."""
        if subject in kept:
            return True
        if len(kept) < most:
            kept.append(subject)
            return True
        self.note(subject, f"a query may hold at most {most} {kind}; left out")
        return False

    def _pattern(self, leaf: wq.Query) -> wq.Query:
        """A prefix or wildcard as an Or of its most frequent words, or left out."""
        shown = leaf.text + ("*" if isinstance(leaf, wq.Prefix) else "")
        literal = re.split(r"[*?]", leaf.text, maxsplit=1)[0]
        if len(literal) < MIN_PREFIX:
            self.note(shown, f"a pattern needs at least {MIN_PREFIX} letters before * or ?; "
                      "left out")
            return wq.NullQuery
        if not self._admit(self.patterns, shown, MAX_PATTERNS, "patterns"):
            return wq.NullQuery
        found = _top_expansions(leaf, self.reader, shown, self.note)
        if not isinstance(leaf, wq.Prefix) or leaf.text.startswith(PART_MARK):
            return found
        # the words it starts as parts of compounds too, as a word typed in full finds
        # them (mondmask* finds what mondmaskers finds: stoffen mondmaskers, FFP2-maskers)
        inside = wq.Prefix(leaf.fieldname, PART_MARK + leaf.text, boost=leaf.boost * INSIDE)
        parts = _top_expansions(inside, self.reader, shown, self.note)
        return wq.Or([q for q in (found, parts) if q is not wq.NullQuery]).normalize()

    def _phrase(self, phrase: wq.Phrase) -> wq.Query:
        """A phrase as it is; as words that must all occur when checking the order of
        words this common would cost too much; left out past MAX_PHRASES."""
        shown = '"' + " ".join(phrase.words) + '"'
        if not self._admit(self.phrases, shown, MAX_PHRASES, "phrases"):
            return wq.NullQuery
        if self._positions(phrase) <= MAX_PHRASE_POSITIONS:
            return phrase
        self.note(shown, "its words are too common to check their order; searched as "
                  "words that must all occur")
        return wq.And([wq.Term(phrase.fieldname, w) for w in phrase.words],
                      boost=phrase.boost)


    def _positions(self, phrase: wq.Phrase) -> int:
        """How many positions checking a phrase reads."""
        return sum(_frequency(self.reader, phrase.fieldname, w) for w in phrase.words)


def bound_query(q: wq.Query, reader: Any) -> tuple[wq.Query, list[str]]:
    """q with its costly parts cut down (see the module's docstring), and a notice for
    every cut."""
    bounder = _Bounder(reader)
    bounded = bounder.bound(q)
    if bounder.notices:  # drop what was left out (NullQuery) from the groups around it
        bounded = bounded.normalize()
    return bounded, list(bounder.notices.values())


def _frequency(reader: Any, field: str, word: Any) -> int:
    """How often word occurs in field over the whole index (0 when it does not)."""
    try:
        return int(reader.frequency(field, word))
    except (KeyError, ValueError, TypeError):
        return 0


def _top_expansions(leaf: Any, reader: Any, shown: str,
                    note: Any) -> wq.Query:
    """The leaf as an Or of its most frequent expansions (at most MAX_EXPANSIONS)."""
    words = []
    for count, word in enumerate(storage.expansions(leaf, reader)):
        if count >= MAX_SCANNED:
            note(shown, f"matches too many words; only the first {MAX_SCANNED:,} were "
                 "considered")
            break
        words.append(word)
    if len(words) > MAX_EXPANSIONS:
        note(shown, f"more than {MAX_EXPANSIONS} words match; searched the "
             f"{MAX_EXPANSIONS} most frequent")
        words = sorted(words, key=lambda w: reader.doc_frequency(leaf.fieldname, w),
                       reverse=True)[:MAX_EXPANSIONS]
    terms = [wq.Term(leaf.fieldname, term_text(w), boost=leaf.boost) for w in words]
    return wq.Or(terms) if terms else wq.NullQuery


def prefixes_as_words(q: wq.Query, planner: Any, reader: Any) -> wq.Query:
    """q with each prefix of the body also searched as the words it starts, each as a
    word typed in full is (its forms, compounds, parts): mondmask* finds at least what
    mondmaskers finds. Its MAX_EXPANSIONS most frequent words, as _top_expansions."""
    def widen(node: wq.Query) -> wq.Query:
        if not isinstance(node, wq.Prefix) or node.fieldname != BODY or \
                node.text.startswith(PART_MARK) or len(node.text) < MIN_PREFIX:
            return node
        expanded = _top_expansions(node, reader, "", lambda *_: None)
        words = [leaf.text for leaf in expanded.leaves() if isinstance(leaf, wq.Term)]
        clauses = [planner.term_clause(word) for word in words]
        typed = planner.typed_prefix(node.text)  # (asielzoekers*: what asielzoekers finds)
        return wq.Or([node, *(WordsQuery([c], alternatives=True) for c in clauses + typed
                              if c.terms())])
    return q.accept(widen)


def is_simple(q: wq.Query) -> bool:
    """True for the common, cheap kind of query: terms combined by AND and OR only (its
    cost is a few array operations per posting list)."""
    if isinstance(q, wq.Term) or q is wq.NullQuery or isinstance(q, WordsQuery):
        return True
    return type(q) in (wq.And, wq.Or) and all(is_simple(s) for s in q.subqueries)


def term_text(term: Any) -> str:
    """A term as str (Whoosh may hand bytes)."""
    return term.decode("utf-8") if isinstance(term, bytes) else term
