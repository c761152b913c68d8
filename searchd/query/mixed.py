"""Words among query syntax, planned as the words of free text are.

Whoosh's parser reads the syntax ("phrases", AND/OR/NOT, +word/-word, titel:, patterns);
each plain word around it is first replaced by a stand-in (parsing.StandIn), which the
parser places without analysing it, and then by the planner's clause of the word as typed:
typos, compounds, derivations and parts work next to an operator as they do in plain text
(`kinderopvangtoeslag EN belastingdienst`, `mondmaskrs AND apotheek`). A word after `-`
or NOT excludes its forms and the compounds it is a part of, as in plain text; a word after
a field name (`titel:fiets`) is searched in that field only, as Whoosh analyses it. A word
inside quotes that no document holds is searched as its near spelling the index holds
("ministr van justitie"), with a notice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from whoosh import query as wq

from ..analysis.analyzer import is_acronym
from ..analysis.folding import fold
from ..analysis.stopwords import STOP_WORDS
from ..analysis.tokenizer import _WORD
from ..suggest import doc_count
from .clause import WordsQuery
from .parsing import STAND_IN, StandIn, lift_negations
from .syntax import MINUS, OPERATORS, PLUS
from .words import Planner, is_function_word

_QUOTED = re.compile(r'"[^"]*"?')
_TOKEN = re.compile(r"[^\s()\"]+")
_SIGNS = ("-", "+")
_SIGN = re.compile(f"{MINUS}|{PLUS}")  # as the parser reads a sign
_SYNTAX_AFTER = re.compile(r"[:*?~^\[\]{}\\]")  # a token with these is syntax, kept


def stand_ins(text: str) -> tuple[str, list[str]]:
    """text with each plain word outside quotes (not an operator, not a stop word, not
    part of a field name, pattern or boost) replaced by a numbered stand-in; the words
    replaced, in order."""
    text = text.replace(STAND_IN, " ")
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    words: list[str] = []
    pieces, last = [], 0
    for token in _TOKEN.finditer(text):
        if any(a <= token.start() < b for a, b in quoted):
            continue
        sign = 1 if _SIGN.match(text, token.start()) else 0
        word = token.group()[sign:]
        if word in OPERATORS or _SYNTAX_AFTER.search(word) or \
                token.group() in _SIGNS and text[token.end():token.end() + 1] in ('"', "("):
            continue  # (syntax: the parser's; a sign before a phrase or group too)
        if not _WORD.fullmatch(word) or \
                fold(word) in STOP_WORDS and not is_acronym(word):
            # punctuation, a lone sign, an emoji, a stop word: left out, so that it does
            # not stand for a word beside an operator (mondmaskers EN de apotheek)
            pieces.append(text[last:token.start()] + " ")
            last = token.end()
            continue
        words.append(word)
        after = " " if text[token.end():token.end() + 1] == '"' else ""
        pieces += [text[last:token.start() + sign], f"{STAND_IN}{len(words) - 1}{after}"]
        last = token.end()
    return "".join(pieces) + text[last:], words


def corrected_phrases(text: str, planner: Planner) -> tuple[str, list[str]]:
    """text with each word inside quotes that no document holds replaced by the near
    spelling the index holds most often (when there is one), and a notice of each."""
    notices: list[str] = []

    def fix(word: re.Match[str]) -> str:
        written = word.group()
        folded = fold(written)
        if folded in STOP_WORDS or not folded.isalpha() or doc_count(planner.tables, folded):
            return written
        better = planner.clause(written).correction
        if better is None:
            return written
        notices.append(f"{written}: in no document; searched as {better}")
        return better

    def phrase(quoted: re.Match[str]) -> str:
        return _WORD.sub(fix, quoted.group())

    return _QUOTED.sub(phrase, text), notices


def parse_mixed(parser: Any, planner: Planner, text: str) -> wq.Query:
    """The query of text (query syntax with words in it; Whoosh's parse errors raised),
    each word planned (see the module docstring)."""
    marked, words = stand_ins(text)
    parsed = lift_negations(parser.parse(marked))
    return _Words(parser, planner, words).replace(parsed, negated=False)


class _Words:
    """Replaces the stand-ins of a parsed query by the queries of their words."""

    def __init__(self, parser: Any, planner: Planner, words: Sequence[str]) -> None:
        self.parser, self.planner, self.words = parser, planner, words
        self.fields = set(planner.fields.boosts)

    def replace(self, q: wq.Query, negated: bool) -> wq.Query:
        """q with its stand-ins replaced; negated: q is what a NOT or -word excludes."""
        if isinstance(q, StandIn):
            return self._words([q], negated)
        if q.is_leaf() or isinstance(q, WordsQuery):
            return q
        if isinstance(q, wq.Not):
            return wq.Not(self.replace(q.query, not negated), boost=q.boost)
        if isinstance(q, wq.AndNot):
            return wq.AndNot(self.replace(q.a, negated), self.replace(q.b, not negated))
        if isinstance(q, wq.Or):
            return self._or(q, negated)
        return q.apply(lambda child: self.replace(child, negated))

    def _or(self, q: wq.Or, negated: bool) -> wq.Query:
        """An Or (the words of the default group, or one word in every field): its
        stand-ins as one WordsQuery (ranked with coordination) beside its other parts."""
        stands = [c for c in q.subqueries if isinstance(c, StandIn)]
        others = [self.replace(c, negated) for c in q.subqueries if not isinstance(c, StandIn)]
        kept = [c for c in others + ([self._words(stands, negated)] if stands else [])
                if c is not wq.NullQuery]
        if not kept:
            return wq.NullQuery
        if len(kept) == 1:
            return kept[0] if q.boost == 1 else kept[0].with_boost(kept[0].boost * q.boost)
        return wq.Or(kept, boost=q.boost, scale=q.scale)

    def _words(self, stands: Sequence[StandIn], negated: bool) -> wq.Query:
        """The query of the words of some stand-ins: planned clauses for a word in every
        field (its exclusion terms when negated), Whoosh's terms for a field named."""
        by_word: dict[int, list[StandIn]] = {}
        for stand in stands:
            by_word.setdefault(stand.number, []).append(stand)
        written = [self.words[n] for n in by_word]
        content = [w for w in written if not is_function_word(w)] or written
        clauses, extra = [], []
        for number, group in by_word.items():
            word = self.words[number]
            if {s.fieldname for s in group} != self.fields:
                extra += self._field_terms(word, group)
            elif negated:
                extra += self.planner.excluded_terms(word)
            elif word in content:
                clauses.append(self.planner.clause(word))
        clauses = [c for c in clauses if c.terms()]
        parts = ([WordsQuery(clauses, self.planner.weights)] if clauses else []) + extra
        if not parts:
            return wq.NullQuery
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def _field_terms(self, word: str, group: Sequence[StandIn]) -> list[wq.Query]:
        """Whoosh's query of word in each field of group (as titel:fiets was)."""
        made = (self.parser.term_query(s.fieldname, word, wq.Term, boost=s.boost)
                for s in group)
        return [q for q in made if q is not None]
