"""Phrases across stop words: "minister van Justitie" finds the documents that hold it.

The index keeps the position a stop word took (the analyzer numbers every word, and indexes
no term for `van`), so "minister van justitie" is `minister` at p and `justitie` at p + 2.
Whoosh's phrase asked for the remaining words side by side (p, p + 1) and found nothing:
0.4% of 80 such phrases drawn from Chamber questions. Here a phrase remembers each word's
offset from its first word as the analyzer numbered the query (GappedPhrase), and matches a
document where every word stands at its offset, as engines with position increments do.

Overrides of Whoosh 2.7.4: PhrasePlugin.PhraseNode.query (to keep the tokens' positions),
Phrase (offsets), SpanWrappingMatcher._get_spans (the exact offsets).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from whoosh import matching, qparser
from whoosh import query as wq
from whoosh.qparser import syntax
from whoosh.query import spans as wspans
from whoosh.query.spans import Span

from ..analysis.folding import fold
from ..analysis.stopwords import STOP_WORDS
from ..analysis.tokenizer import _WORD
from ..query.budget import check


class GappedPhrase(wq.Phrase):  # type: ignore[misc]  # Whoosh has no types
    """A phrase whose words stand at given offsets from its first word (a stop word of the
    query leaves a gap, as it did in the index); with no gap, Whoosh's own phrase."""

    def __init__(self, fieldname: str, words: list[str], slop: int = 1, boost: float = 1.0,
                 char_ranges: Any = None, offsets: tuple[int, ...] | None = None,
                 surface: str = "") -> None:
        super().__init__(fieldname, words, slop=slop, boost=boost, char_ranges=char_ranges)
        self.offsets = tuple(range(len(words))) if offsets is None else tuple(offsets)
        self.surface = surface  # the phrase as typed (its stop words too)

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.offsets == getattr(other, "offsets", None)

    def __hash__(self) -> int:
        return int(super().__hash__()) ^ hash(self.offsets)

    def __repr__(self) -> str:
        return (f"GappedPhrase({self.fieldname!r}, {self.words!r}, offsets={self.offsets}, "
                f"slop={self.slop}, boost={self.boost:f})")

    @property
    def gapped(self) -> bool:
        """True when a stop word left a gap between two of its words."""
        return self.offsets != tuple(range(len(self.words)))

    def normalize(self) -> wq.Query:
        """Whoosh's normalize, keeping the offsets (it made a plain Phrase)."""
        if not self.words:
            return wq.NullQuery
        if len(self.words) == 1 and not self.edged:  # ("in de gevangenis": kept, so that
            return wq.Term(self.fieldname, self.words[0], boost=self.boost)  # it is checked)
        return self.__class__(self.fieldname, list(self.words), slop=self.slop,
                              boost=self.boost, char_ranges=self.char_ranges,
                              offsets=self.offsets, surface=self.surface)

    @property
    def edged(self) -> bool:
        """True when the phrase as typed starts or ends with a stop word (the index keeps
        no position for it: the stored text decides, exact.py)."""
        words = _WORD.findall(self.surface)
        return len(words) > 1 and (fold(words[0]) in STOP_WORDS or
                                   fold(words[-1]) in STOP_WORDS)

    def matcher(self, searcher: Any, context: Any = None) -> matching.Matcher:
        """Whoosh's phrase matcher without a gap (or with a slop asked for), else one that
        checks every word at its offset; a phrase of one word, its term's."""
        if len(self.words) == 1:
            return wq.Term(self.fieldname, self.words[0], boost=self.boost).matcher(
                searcher, context)
        if not self.gapped or self.slop != 1:
            return super().matcher(searcher, context)
        field = searcher.schema[self.fieldname] if self.fieldname in searcher.schema else None
        if field is None or not field.format or not field.format.supports("positions"):
            return matching.NullMatcher()
        reader = searcher.reader()
        terms = []
        for word in self.words:
            btext = field.to_bytes(word)
            if (self.fieldname, btext) not in reader:
                return matching.NullMatcher()  # a word no document holds: nothing to find
            terms.append(wq.Term(self.fieldname, btext))
        matchers = [t.matcher(searcher, context) for t in terms]
        m = OffsetsMatcher(matchers, self.offsets)
        return matching.WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


class OffsetsMatcher(wspans.SpanWrappingMatcher):  # type: ignore[misc]
    """The documents of the intersection of the words' matchers where, for some position p
    of the first word, word i stands at p + offsets[i]."""

    def __init__(self, matchers: list[matching.Matcher], offsets: tuple[int, ...]) -> None:
        self.ms = matchers
        self.offsets = offsets
        super().__init__(wspans.make_binary_tree(matching.IntersectionMatcher, matchers))

    def copy(self) -> OffsetsMatcher:
        return self.__class__([m.copy() for m in self.ms], self.offsets)

    def replace(self, minquality: float = 0) -> matching.Matcher:
        return self if self.is_active() else matching.NullMatcher()

    def _get_spans(self) -> list[Span]:
        check()  # a phrase of common words is checked document by document: bounded
        starts = [s.start for s in self.ms[0].spans()]
        for m, offset in zip(self.ms[1:], self.offsets[1:]):
            if not starts:
                break
            positions = sorted(s.start for s in m.spans())
            starts = [p for p in starts if _holds(positions, p + offset)]
        return [Span(p, p + self.offsets[-1]) for p in starts]


def _holds(sorted_positions: list[int], position: int) -> bool:
    i = bisect_left(sorted_positions, position)
    return i < len(sorted_positions) and sorted_positions[i] == position


class _PositionsPhraseNode(qparser.PhrasePlugin.PhraseNode):  # type: ignore[misc]
    """Whoosh's phrase node, keeping each word's position as the analyzer numbered it."""

    def query(self, parser: qparser.QueryParser) -> wq.Query:
        fieldname = self.fieldname or parser.fieldname
        field = parser.schema[fieldname] if parser.schema and fieldname in parser.schema \
            else None
        if field is None or not field.analyzer:
            return super().query(parser)
        words, char_ranges, positions = [], [], []
        for t in field.tokenize(self.text, mode="query", chars=True, positions=True):
            words.append(t.text)
            char_ranges.append((self.textstartchar + t.startchar,
                                self.textstartchar + t.endchar))
            positions.append(t.pos)
        offsets = tuple(p - positions[0] for p in positions) if positions else ()
        q = GappedPhrase(fieldname, words, slop=self.slop, boost=self.boost,
                         char_ranges=char_ranges, offsets=offsets, surface=self.text)
        return syntax.attach(q, self)


class _PositionsPhraseTagger(qparser.PhrasePlugin.PhraseTagger):  # type: ignore[misc]
    def create(self, parser: qparser.QueryParser, match: Any) -> Any:
        slop = match.group("slop")
        return _PositionsPhraseNode(match.group("text"), match.start("text"),
                                    int(slop) if slop else 1)


class GappedPhrasePlugin(qparser.PhrasePlugin):  # type: ignore[misc]
    """Whoosh's "phrase" syntax, making GappedPhrase queries."""

    def taggers(self, parser: qparser.QueryParser) -> list[Any]:
        return [(_PositionsPhraseTagger(self.expr), 0)]


def use_gapped_phrases(parser: qparser.QueryParser) -> None:
    """Make parser's phrases keep the gaps of stop words."""
    parser.remove_plugin_class(qparser.PhrasePlugin)
    parser.add_plugin(GappedPhrasePlugin())
    parser.phraseclass = GappedPhrase
