"""One QueryPlan per search: what the query text asks of one state of the index, worked out
once, before ranking, and read by everything after it.

Free text (and words with -words) is planned by the planner of words (words.py); text with
query syntax is parsed with its words planned the same way (mixed.py); both are cut down
to what one search may cost (bounds.py). The plan carries its notices, its correction for
"Bedoelde u", the index terms to mark in snippets and the words that join a phrase's
marks, the phrases to hold as typed, and its cost class (budget.py's costly slot).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

from ..exact import gapped_phrases
from ..schema import BODY
from ..snippets import phrase_words
from ..storage import GappedPhrase
from ..suggest import suggest, word_tables
from . import budget
from .bounds import bound_query, is_simple, prefixes_as_words, syntax_notice
from .clause import clauses
from .mixed import corrected_phrases, parse_mixed
from .parsing import Synonyms, query_terms
from .syntax import OPERATORS, is_free_text, tidy, without_exclusions
from .words import Planner, correct

SUGGEST_BELOW = 3  # offer a better spelling when a query finds fewer documents than this
MAX_NOTICE = 300   # characters of a notice (a chain of 100 made-up words made one of 2,000)
MAX_NOTICES = 8    # notices of one plan
_EITHER = re.compile(r"(?<![^\s(])(?:OR|OF)(?![^\s)])")
_QUOTED = re.compile(r'"[^"]*"?')
_EXCLUDED_ONLY = re.compile(r"(?<![^\s(])(?:-|NOT\s|NIET\s)")
ONLY_EXCLUDED = ("a query of excluded words only finds nothing; add a word to search for "
                 "(NIET minister: what else should the documents hold?)")


@dataclass(frozen=True)
class QueryPlan:
    """A query text planned over one state of the index."""

    text: str                  # as typed
    query: wq.Query            # what is ranked
    notices: tuple[str, ...]   # what was cut, corrected or not found, for the user
    correction: str | None     # the text with its misspelled words corrected
    costly: bool               # ranking it takes the costly slot (budget.py)
    highlight: frozenset[str]  # the index terms it asks for (prefixes expanded)
    joiners: frozenset[str]    # the words of its phrases (their stop words join marks)
    phrases: tuple[GappedPhrase, ...]  # phrases of the body whose gaps a stop word filled
    names_missing: bool = True  # a hit names the words it lacks (not when OR/OF asked
    #                             for either word: then a lacking one is no news)


@dataclass(frozen=True)
class Planning:
    """What plans queries over one state of the index."""

    planner: Planner
    parser: Any
    searcher: Searcher
    synonyms: Synonyms | None = None

    def cheap(self, text: str) -> bool:
        """True when planning text is known to cost little: free text (words only) of at
        most budget.CHEAP_WORDS words (the parts of hyphenated words counted), none longer
        than budget.CHEAP_WORD_CHARS, at most budget.FREE_LOOKUPS of them unknown. Query
        syntax (patterns expand, phrases read positions), long texts (each unknown word is
        analysed and split: 100 made-up words cost 15-30 ms) and many unknown words (each
        looked up for near spellings: a made-up compound 5-15 ms) are not."""
        expanded = self._expanded(text)
        if not is_free_text(expanded):
            return False
        pieces = self.planner.pieces(expanded)
        return len(pieces) <= budget.CHEAP_WORDS and \
            max(map(len, pieces), default=0) <= budget.CHEAP_WORD_CHARS and \
            self.planner.lookups(expanded) <= budget.FREE_LOOKUPS

    def plan(self, text: str) -> QueryPlan:
        """The plan of text (see the module docstring); text that does not parse is
        searched as its plain words, with a notice when a bound was the reason."""
        self.planner.start()
        expanded = self._expanded(text)
        q, notices, fixed = self._query(expanded)
        notices = capped(notices + self.planner.notices)
        correction = correct(text, clauses(q)) or (fixed if fixed != expanded else None)
        return QueryPlan(text, q, tuple(notices), correction, not is_simple(q),
                         frozenset(query_terms(q, self.searcher)), phrase_words(q),
                         tuple(gapped_phrases(q)),
                         not _EITHER.search(_QUOTED.sub(" ", expanded)))

    def suggestion(self, plan: QueryPlan, found: int) -> str | None:
        """"Bedoelde u": the plan's correction; else, when the query found fewer than
        SUGGEST_BELOW documents, the text with near spellings the index holds more often
        (never only other forms of the same words: strijders)."""
        if plan.correction is not None or found >= SUGGEST_BELOW or not plan.text or \
                not is_free_text(plan.text):  # (never a pattern: brexi* is no typo)
            return plan.correction
        better = suggest(word_tables(self.searcher.reader()), plan.text)
        if not better or better == plan.text or \
                self._terms(better) == self._terms(plan.text):
            return None
        return better

    def _expanded(self, text: str) -> str:
        return tidy(self.synonyms.expand(text) if self.synonyms else text)

    def _query(self, text: str) -> tuple[wq.Query, list[str], str]:
        """The ranked query of text (synonyms expanded), the notices of planning it, and
        the text with the misspelled words of its phrases corrected."""
        planned = self.planner.plan_words(text)
        if planned is not None:  # free text, or words and -words
            return (*planned, text)
        reader = self.searcher.reader()
        notice = syntax_notice(text)
        if notice is not None:
            q, notices = self._plain(text)
            return q, [notice, *notices], text
        if _EXCLUDED_ONLY.search(text) and not re.search(r"\w", without_exclusions(text)):
            return wq.NullQuery, [ONLY_EXCLUDED], text
        fixed, notices = corrected_phrases(text, self.planner)
        try:
            q = parse_mixed(self.parser, self.planner, fixed)
        except Exception:  # Whoosh raises assorted errors on odd syntax; never let one escape
            return (*self._plain(text), text)
        if _only_excluded(q):
            return wq.NullQuery, [ONLY_EXCLUDED], fixed
        q = prefixes_as_words(q, self.planner, reader)
        bounded, cuts = bound_query(q, reader)
        return bounded, notices + cuts, fixed

    def _plain(self, text: str) -> tuple[wq.Query, list[str]]:
        """The plain words of text, less those it excludes (no punctuation, no operators:
        an exclusion never becomes a word searched for)."""
        kept = [w for w in without_exclusions(text).split() if w not in OPERATORS]
        plain = re.sub(r"[^\w\s]", " ", " ".join(kept)).lower()
        if not plain.strip():
            return wq.NullQuery, []
        return self.planner.plan(plain)

    def _terms(self, text: str) -> list[str]:
        """The index terms of text, in order."""
        analyzer = self.searcher.schema[BODY].analyzer
        return [t.text for t in analyzer(text, mode="index")]


def _only_excluded(q: wq.Query) -> bool:
    """True for a query that only excludes (NIET minister, -a -b, NOT NOT)."""
    if isinstance(q, wq.Not):
        return True
    if isinstance(q, wq.AndNot):
        return q.a is wq.NullQuery or _only_excluded(q.a)
    if type(q) in (wq.And, wq.Or) and q.subqueries:
        return all(_only_excluded(sub) for sub in q.subqueries)
    return False


def capped(notices: list[str]) -> list[str]:
    """Notices once each, at most MAX_NOTICES of at most MAX_NOTICE characters."""
    return [n if len(n) <= MAX_NOTICE else n[:MAX_NOTICE - 1] + "…"
            for n in dict.fromkeys(notices)][:MAX_NOTICES]
