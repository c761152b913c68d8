"""Spelling suggestions ("Bedoelde u") and completions, from the words of the index.

Both read the `words` field (every word as written, folded, unstemmed). Each segment's words
and their document counts are read once into a sorted table and kept by segment id: segments
never change once written, so after a sync only the new segment is read. Near spellings are
found by rapidfuzz's Damerau-Levenshtein among the words with the same first letter.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Sequence

from whoosh.reading import IndexReader

from .analysis.folding import fold
from .cache import SizedLRU
from .analysis.stopwords import STOP_WORDS

FIELD = "words"
_WORD = re.compile(r"(?<![\w:])[^\W\d_]{3,}(?![\w:*])")
_LAST_WORD = re.compile(r"[^\W\d_]+$")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
RARE = 2          # a word in fewer documents than this may be misspelled
BETTER = 5        # a suggestion must be in this many times as many documents
_CACHED_SEGMENTS = 64


class WordTable:
    """One segment's words, sorted, with the number of documents each occurs in."""

    def __init__(self, words: list[str], counts: list[int]) -> None:
        self.words, self.counts = words, counts

    @classmethod
    def read(cls, segment: IndexReader) -> WordTable:
        """The table of one segment reader's words field."""
        words, counts = [], []
        for word, info in segment.iter_field(FIELD):  # in term order: already sorted
            words.append(word.decode("utf-8") if isinstance(word, bytes) else word)
            counts.append(info.doc_frequency())
        return cls(words, counts)

    def count(self, word: str) -> int:
        """Documents of this segment containing word."""
        i = bisect.bisect_left(self.words, word)
        return self.counts[i] if i < len(self.words) and self.words[i] == word else 0

    def prefixed(self, prefix: str) -> range:
        """Positions of the words that start with prefix."""
        low = bisect.bisect_left(self.words, prefix)
        return range(low, bisect.bisect_left(self.words, prefix + "\uffff", lo=low))


_tables = SizedLRU(_CACHED_SEGMENTS)  # one unit a segment


def word_tables(reader: IndexReader) -> list[WordTable]:
    """The word table of every segment of reader (read once per segment)."""
    tables = []
    for segment, _ in reader.leaf_readers():
        key = segment.segment().segment_id()
        tables.append(_tables.get(key, lambda s=segment: (WordTable.read(s), 1)))
    return tables


def doc_count(tables: Sequence[WordTable], word: str) -> int:
    """Documents (over all segments) containing word."""
    return sum(t.count(word) for t in tables)


def complete(tables: Sequence[WordTable], text: str, limit: int = 8) -> list[str]:
    """The most frequent words that complete the last word of text, most frequent first
    (none when text does not end in a word)."""
    match = _LAST_WORD.search(text)
    if match is None:
        return []
    prefix = fold(match[0])
    candidates: set[str] = set()
    for table in tables:  # each segment's most frequent, then their counts over all
        best = heapq.nlargest(limit * 3, table.prefixed(prefix), key=table.counts.__getitem__)
        candidates.update(table.words[i] for i in best)
    ranked = sorted(candidates, key=lambda w: (-doc_count(tables, w), w))
    return ranked[:limit]


def suggest(tables: Sequence[WordTable], text: str) -> str | None:
    """The query with misspelled words replaced by frequent near spellings, or None."""
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        better = better_spelling(tables, match.group())
        if better is None:
            return match.group()
        changed = True
        return better

    suggestion = _WORD.sub(replace, text)
    return suggestion if changed else None


def better_spelling(tables: Sequence[WordTable], word: str) -> str | None:
    """A much more frequent word of the index within a small edit distance, or None."""
    from rapidfuzz import process  # only when a word looks misspelled: keeps start-up short
    from rapidfuzz.distance import DamerauLevenshtein

    folded = fold(word)
    if word in _OPERATORS or folded in STOP_WORDS:
        return None
    seen = doc_count(tables, folded)
    if seen >= RARE:
        return None
    distance = 1 if len(folded) <= 4 else 2
    near: set[str] = set()
    for table in tables:
        span = table.prefixed(folded[0])
        words = [w for w in table.words[span.start:span.stop]
                 if abs(len(w) - len(folded)) <= distance and w != folded]
        found = process.extract(folded, words, scorer=DamerauLevenshtein.distance,
                                score_cutoff=distance, limit=None)
        near.update(w for w, _, _ in found)
    if not near:
        return None
    count, best = max((doc_count(tables, w), w) for w in near)
    if count <= BETTER * seen:
        return None
    return best.capitalize() if word[:1].isupper() else best
