"""Did-you-mean: better spellings of a query's words, from the words of the index."""

from __future__ import annotations

import bisect
import heapq
import re
from collections import Counter

from whoosh.reading import IndexReader

from .analysis.folding import fold
from .analysis.stopwords import STOP_WORDS

FIELD = "words"
_WORD = re.compile(r"(?<![\w:])[^\W\d_]{3,}(?![\w:*])")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
RARE = 2          # a word in fewer documents than this may be misspelled
BETTER = 5        # a suggestion must be in this many times as many documents
_LAST_WORD = re.compile(r"[^\W\d_]+$")


def suggest(reader: IndexReader, text: str) -> str | None:
    """The query with misspelled words replaced by frequent near spellings, or None."""
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        better = better_spelling(reader, match.group())
        if better is None:
            return match.group()
        changed = True
        return better

    suggestion = _WORD.sub(replace, text)
    return suggestion if changed else None


def better_spelling(reader: IndexReader, word: str) -> str | None:
    """A much more frequent word of the index within a small edit distance, or None."""
    folded = fold(word)
    if word in _OPERATORS or folded in STOP_WORDS:
        return None
    seen = reader.doc_frequency(FIELD, folded)
    if seen >= RARE:
        return None
    distance = 1 if len(folded) <= 4 else 2
    candidates = [(reader.doc_frequency(FIELD, c), c)
                  for c in reader.terms_within(FIELD, folded, distance, prefix=1)
                  if c != folded]
    if not candidates:
        return None
    count, best = max(candidates)
    if count <= BETTER * seen:
        return None
    return best.capitalize() if word[:1].isupper() else best


class Completions:
    """The index's words with their document counts, sorted for prefix look-ups: the
    completions offered while someone types (words as written, folded; not stems)."""

    def __init__(self, reader: IndexReader) -> None:
        counts: Counter[str] = Counter()
        for leaf, _ in reader.leaf_readers():  # per segment: 5x faster than a MultiReader
            for word, info in leaf.iter_field(FIELD):
                counts[word.decode("utf-8") if isinstance(word, bytes) else word] += \
                    info.doc_frequency()
        self.words = sorted(counts)
        self.counts = [counts[w] for w in self.words]

    def complete(self, text: str, limit: int = 8) -> list[str]:
        """The most frequent words that complete the last word of text, most frequent
        first (none when text does not end in a word)."""
        match = _LAST_WORD.search(text)
        if match is None:
            return []
        prefix = fold(match[0])
        low = bisect.bisect_left(self.words, prefix)
        high = bisect.bisect_left(self.words, prefix + "\uffff", lo=low)
        best = heapq.nlargest(limit, range(low, high), key=self.counts.__getitem__)
        return [self.words[i] for i in best]
