"""Free-text queries (words, no query syntax) as people type them: a clause per word.

Each word that is not a function word becomes a WordClause: the word's own terms, the parts
of a compound (which count only all together, and less than the whole word), and near
spellings of a word the index does not know (which count less than an exact match). The
clauses are searched as one WordsQuery, which ranking scores per clause (a document that
matches more of the query's words ranks above one that matches fewer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq

from ..analysis.analyzer import is_acronym, terms_of
from ..analysis.compounds import could_be_part, part_surfaces
from ..analysis.folding import fold
from ..analysis.lemmas import PART_MARK, lemma_term
from ..analysis.lexicon import lexicon
from ..analysis.stopwords import STOP_WORDS
from ..analysis.tokenizer import _WORD, split_word
from ..cache import word_cache
from ..schema import BODY, LEAD, TITLE, WORDS
from ..suggest import (
    BETTER,
    RARE,
    WordTable,
    compound_near,
    doc_count,
    lexicon_near,
    near_words,
    typo_edits,
)
from . import budget
from .clause import Weights, WordClause, WordsQuery
from .syntax import OPERATORS, exclusions, is_free_text

# Function words: dropped from a query unless all its words are such (then nothing would
# be left) or they stand in a phrase. The index's stop words (analysis/stopwords.py) plus
# the words of Snowball's Dutch stop list the index keeps because they can carry meaning
# on their own, and the question words the Chamber's questions are full of.
QUERY_STOP_WORDS = STOP_WORDS | frozenset("""
voor onder tegen zonder meer veel andere alles niets iemand altijd doen kunnen zelf wezen
welke welk waar wanneer waarom hoeveel hoe zoals
""".split())
MAX_TYPOS = 4  # near spellings a word is also searched as


SPLIT_FROM = 10     # letters from which a word no document holds is split by the index
MIN_SPLIT_PART = 4  # letters of each part of such a split


@dataclass
class FieldSet:
    """The fields a word is searched in, with their boosts."""

    boosts: dict[str, float]

    def terms(self, texts: Sequence[str], lead: bool = True) -> tuple[wq.Term, ...]:
        """A Term per text and field (the lead only if asked: for weaker evidence its small
        weight changes little, and each term costs a look-up in every segment)."""
        return tuple(wq.Term(name, text, boost=field_boost)
                     for text in dict.fromkeys(texts)
                     for name, field_boost in self.boosts.items() if lead or name != LEAD)


@dataclass
class Planner:
    """Builds the WordsQuery of a free-text query over one state of the index."""

    fields: FieldSet
    tables: Sequence[WordTable]
    fallback: str = "dutch_porter"
    compounds: bool = True
    typo_from: tuple[int, int] = (5, 9)
    typos: bool = True
    weights: Weights = field(default_factory=Weights)
    notices: list[str] = field(default_factory=list)  # of the last plan: cut expansions
    _looked_up: int = 0  # words of the last plan looked up for near spellings

    def start(self) -> None:
        """Forget the notices and look-ups of the query planned before."""
        self.notices, self._looked_up = [], 0

    def plan(self, text: str) -> tuple[WordsQuery, list[str]]:
        """The WordsQuery of text (function words dropped unless nothing else is left),
        and a notice for every word whose near spellings were cut to MAX_TYPOS."""
        self.start()
        words = [m.group() for m in _WORD.finditer(text)]
        content = [w for w in words if not is_function_word(w)]
        # function words alone are searched, but not the index's stop words (no document
        # holds them as terms: a lemma or near spelling of "het" found "hebt")
        unindexed = [w for w in words if fold(w) in STOP_WORDS and is_function_word(w)]
        clauses = [self.clause(w) for w in content or
                   [w for w in words if w not in unindexed]]
        if not content and unindexed:
            self.notices.append(f"{' '.join(dict.fromkeys(unindexed))}: too common to search"
                                " on; add a word that says what you are looking for")
        query = WordsQuery([c for c in clauses if c.terms()], self.weights)
        return query, self.notices

    def clause(self, written: str) -> WordClause:
        """The clause of one word as written (a hyphenated word: its parts run together,
        the parts counting as a compound's)."""
        pieces, whole = split_word(written, 0)
        if len(pieces) > 1:
            parts = self._parts([self._own(p)[0] for p, _, _ in pieces if self._own(p)])
            return WordClause(written, self.fields.terms(self._own(whole)), parts)
        if not whole:
            return WordClause(written, ())
        folded = fold(whole)
        own, part_terms = self._analysed(whole)
        if not part_terms and self.compounds:
            part_terms = self._split_by_index(folded)
        typos = self._near(whole, folded) if self.typos else ()
        # "Bedoelde u" proposes only words the index holds (a lexicon word no document
        # holds led to a page of nothing: aslyzoekers, "Bedoelde u: aszoekers")
        # a near spelling with no term the word lacks adds nothing (ministr, ministre)
        typos = [t for t in typos if not set(self._analysed(t[0])[0]) <= set(own)]
        found = [c for c in typos if c[1] > 0]
        correction = min(found, key=lambda c: (_edits(folded, c[0]), -c[1]))[0] \
            if found else None  # the nearest (pensoenen: pensioenen, not personen)
        return WordClause(written, self.fields.terms(own), self._parts(part_terms),
                          inside=self._inside(own, folded), correction=correction,
                          written_parts=self._written_parts(folded, part_terms),
                          typos=tuple(self._typo_clause(w) for w, _ in typos),
                          derived=self.fields.terms(derived_terms(own[0], self.fallback))
                          if self.weights.derived and own else ())

    def _parts(self, parts: Sequence[str]) -> tuple[tuple[tuple[wq.Term, ...],
                                                           tuple[wq.Term, ...]], ...]:
        """The Terms of each part of a compound: as a word, and inside a compound."""
        return tuple((self.fields.terms((p,)), self.fields.terms((PART_MARK + p,), lead=False))
                     for p in parts)

    def _split_by_index(self, folded: str) -> tuple[str, ...]:
        """The terms of the two parts of a long word that neither the lexicon splits nor
        any document holds, when both are words of the index (beroepsdeontologie: beroep,
        deontologie; a linking s allowed): how the index's own words spell it."""
        if len(folded) < SPLIT_FROM or not folded.isalpha() or doc_count(self.tables, folded):
            return ()
        for cut in range(len(folded) - MIN_SPLIT_PART, MIN_SPLIT_PART - 1, -1):
            left, right = folded[:cut], folded[cut:]
            if doc_count(self.tables, right) < RARE:
                continue
            for modifier in (left, left[:-1] if left.endswith("s") else ""):
                if len(modifier) >= MIN_SPLIT_PART and \
                        doc_count(self.tables, modifier) >= RARE:
                    return (lemma_term(modifier, self.fallback),
                            lemma_term(right, self.fallback))
        return ()

    def _written_parts(self, folded: str, part_terms: tuple[str, ...]) -> tuple[wq.Term, ...]:
        """For a compound of two parts that no document holds: Terms of its parts as written
        in it (kinderopvangtoeslag: kinderopvang, toeslag), to prefer the documents that
        hold them in that form; none otherwise."""
        if len(part_terms) != 2 or doc_count(self.tables, folded):
            return ()
        surfaces = part_surfaces(folded, lambda w: lemma_term(w, self.fallback), part_terms)
        return tuple(wq.Term(WORDS, s) for s in surfaces)

    def _inside(self, own: Sequence[str], folded: str) -> tuple[wq.Term, ...]:
        """The Terms of a word as a part of a document's compounds (minister in
        veiligheidsminister); none for a word that cannot be a part (a name, a rare word:
        no look-up needed)."""
        if not self.compounds or not own or not could_be_part(folded):
            return ()
        return self.fields.terms([PART_MARK + own[0]], lead=False)

    def _analysed(self, word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(own terms, part terms) of a word: the index's own analysis of it (terms_of)."""
        terms = terms_of(word, self.fallback, self.compounds)
        return (tuple(t for t in terms if not t.startswith(PART_MARK)),
                tuple(t[len(PART_MARK):] for t in terms if t.startswith(PART_MARK)))

    def _own(self, word: str) -> tuple[str, ...]:
        """The own terms of a word (none for an index stop word)."""
        folded = fold(word)
        if folded in STOP_WORDS and not is_acronym(word):
            return ()
        return self._analysed(word)[0]

    def typed_prefix(self, prefix: str) -> list[WordClause]:
        """The clause of a prefix's text as a typed word, when it is a word of the lexicon
        (asielzoekers*: the forms of asielzoekers, whose index term it does not start)."""
        if fold(prefix) not in lexicon().forms and fold(prefix) not in lexicon().words:
            return []
        own, parts = self._analysed(prefix)
        return [WordClause(prefix, self.fields.terms(own), self._parts(parts),
                           inside=self._inside(own, fold(prefix)))]

    def term_clause(self, term: str) -> WordClause:
        """The clause of an index term (a prefix's expansion): the term itself, as a part
        of compounds and, when it is a Dutch word, by its parts as a typed word is
        (kinderop*: kinderopvang); a stem (ministen) is never corrected nor split."""
        known = term in lexicon().words or term in lexicon().forms
        parts = self._analysed(term)[1] if known else ()
        return WordClause(term, self.fields.terms((term,)), self._parts(parts),
                          inside=self._inside((term,), term))

    def _typo_clause(self, word: str) -> WordClause:
        """The clause of a near spelling (analysed as any word: a compound still splits)."""
        own, parts = self._analysed(word)
        return WordClause(word, self.fields.terms(own), self._parts(parts),
                          inside=self._inside(own, fold(word)))

    def plan_words(self, text: str) -> tuple[wq.Query, list[str]] | None:
        """The plan of free text, or of words with words excluded by a leading minus
        (mondmaskers -apotheek: what mondmaskers finds, less); None for other query syntax
        (Whoosh's parser reads it)."""
        if is_free_text(text):
            return self.plan(text)
        split = exclusions(text)
        return self.excluding(*split) if split is not None else None

    def excluding(self, text: str, excluded: Sequence[str]) -> tuple[wq.Query, list[str]]:
        """The plan of text without the documents that hold any of the excluded words (in
        any form, or as a part of a compound): what text finds, less, never more."""
        query, notices = self.plan(text)
        terms = [t for word in excluded for t in self.excluded_terms(word)]
        return (wq.AndNot(query, wq.Or(terms)) if terms else query), notices

    def excluded_terms(self, written: str) -> tuple[wq.Term, ...]:
        """The Terms of a word to exclude: its own, and as a part of compounds (a word with
        a hyphen or apostrophe: its parts run together, as the index holds it)."""
        pieces, whole = split_word(written, 0)
        word = whole if len(pieces) > 1 else written
        own = self._own(word)
        return self.fields.terms(own) + self._inside(own, fold(word))

    def pieces(self, text: str) -> list[str]:
        """The words of text as planning analyses them: a hyphenated word or one with
        apostrophes is each of its parts and the parts run together (a chain of 100 words
        joined by hyphens is one token but 101 words to analyse)."""
        found = []
        for match in _WORD.finditer(text):
            parts, whole = split_word(match.group(), 0)
            found += [p for p, _, _ in parts] + ([whole] if len(parts) > 1 else [])
        return found

    def lookups(self, text: str) -> int:
        """How many words of text planning would look up for near spellings (a few ms
        each): known before planning, from dictionary look-ups alone."""
        if not self.typos:
            return 0
        words = [m.group() for m in _WORD.finditer(text)]
        wholes = [split_word(w, 0) for w in
                  [w for w in words if not is_function_word(w)] or words]
        return sum(self._needs_lookup(whole, fold(whole)) for pieces, whole in wholes
                   if len(pieces) <= 1 and whole)

    def _needs_lookup(self, word: str, folded: str) -> bool:
        """True when a word is no Dutch word (not in the lexicon) and the index lacks it or
        has it rarely: the words _near looks up."""
        if not typo_edits(len(folded) + 1, self.typo_from) or not folded.isalpha() or \
                is_acronym(word):
            return False
        if folded in lexicon().words or folded in lexicon().forms:
            return False  # a Dutch word is taken as meant, found or not (zeppelin)
        return doc_count(self.tables, folded) < RARE

    def _near(self, word: str, folded: str) -> list[tuple[str, int]]:
        """Near spellings to search a word as, with their document counts: when it is no
        Dutch word (not in the lexicon) and the index lacks it, or has it rarely and a
        near spelling far more often. The index's own words first (the MAX_TYPOS most
        frequent); for a word the index has none near, words of the lexicon (a compound
        no document holds, whose parts some do)."""
        if not self._needs_lookup(word, folded):
            return []
        edits = typo_edits(len(folded) + 1, self.typo_from)  # (drne: drone)
        seen = doc_count(self.tables, folded)
        if not budget.lookup():
            if not self._looked_up:
                self._looked_up = 1
                self.notices.append("too many words are unknown to look up near spellings "
                                    "of all of them; the others were searched as typed")
            return []
        shortest = self.typo_from[0]
        near = {w: n for w, n in near_words(self.tables, folded, edits).items()
                if n > BETTER * seen and max(len(w), len(folded)) >= shortest}
        if near:
            if len(near) > MAX_TYPOS:
                self.notices.append(f"{word}: {len(near)} words of the index are spelled "
                                    f"nearly so; searched the {MAX_TYPOS} most frequent")
            return sorted(near.items(), key=lambda wn: (-wn[1], wn[0]))[:MAX_TYPOS]
        if seen or len(folded) < shortest:
            return []
        meant = lexicon_near(folded, edits)[:2] or \
            compound_near(folded, edits, typo_from=self.typo_from)[:2]
        return [(w, 0) for w in meant]


_DERIVATIONS = (("ing", "en", "v"), ("atie", "eren", "v"), ("heid", "", "a"))


@word_cache(10_000)
def derived_terms(lemma: str, fallback: str) -> tuple[str, ...]:
    """The term of the verb or adjective a Dutch noun is derived from: -ing and -atie
    from a verb (aflossing: aflossen, arrestatie: arresteren), -heid from an adjective
    (veiligheid: veilig); none for other words or a base the lexicon does not know."""
    from ..analysis.lemmas import lemma_term
    from ..analysis.lexicon import lexicon

    lex = lexicon()
    for suffix, ending, pos in _DERIVATIONS:
        if lemma.endswith(suffix) and len(lemma) > len(suffix) + 3:
            base = lemma[: -len(suffix)] + ending
            if pos in lex.pos(base) and base not in QUERY_STOP_WORDS:
                term = lemma_term(base, fallback)
                return (term,) if term != lemma else ()
    return ()


def is_function_word(word: str) -> bool:
    """True for a word that says nothing on its own in a query (not an acronym: IS), and
    for an operator word where it is none (minister EN: EN is no word searched for)."""
    return word in OPERATORS or fold(word) in QUERY_STOP_WORDS and not is_acronym(word)


def correct(text: str, clauses: Sequence[WordClause]) -> str | None:
    """text with every word that has a correction replaced by it (case kept for a
    capitalised word), or None when no word was corrected."""
    fixes = {c.word: c.correction for c in clauses if c.correction}
    if not fixes:
        return None

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        better = fixes.get(word)
        if better is None:
            return word
        return better.capitalize() if word[:1].isupper() else better

    return _WORD.sub(fix, text)


def _edits(word: str, other: str) -> int:
    """Damerau edits between two words."""
    from rapidfuzz.distance import DamerauLevenshtein

    return int(DamerauLevenshtein.distance(word, other))


def planner_of(config: Any, schema: Any, tables: Any) -> Planner:
    """The planner of free-text queries over an index's (or a cluster's) words."""
    analyzer = schema[BODY].analyzer
    boosts = {TITLE: config.title_boost, BODY: 1.0, LEAD: config.lead_boost}
    return Planner(FieldSet({k: v for k, v in boosts.items() if v > 0}), tables,
                   analyzer.fallback, analyzer.compounds, (config.typo_one, config.typo_two),
                   config.typos)
