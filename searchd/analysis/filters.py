"""Whoosh filters of the Dutch analyzer: folding, stop words, stemming."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Filter, Token

from .stopwords import STOP_WORDS

_local = threading.local()


@lru_cache(maxsize=500_000)
def fold(word: str) -> str:
    """Lowercase and strip diacritics: Één -> een, geëvalueerd -> geevalueerd, ĳs -> ijs."""
    lowered = word.lower()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _stemmer(algorithm: str):  # type: ignore[no-untyped-def]
    """A Snowball stemmer for this thread (stemmer objects are not thread-safe)."""
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if algorithm not in stemmers:
        import snowballstemmer  # uses PyStemmer's C code when it is installed

        stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    return stemmers[algorithm]


@lru_cache(maxsize=500_000)
def stem(word: str, algorithm: str = "dutch_porter") -> str:
    """Stem one folded word with the named Snowball algorithm (cached, thread-safe)."""
    return _stemmer(algorithm).stemWord(word)


class FoldFilter(Filter):
    """Lowercase and fold diacritics."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        """Fold each token's text in place."""
        for t in tokens:
            t.text = fold(t.text)
            yield t


class DutchStopFilter(Filter):
    """Drop Dutch stop words, but keep acronyms written in capitals (IS, DE, HET)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        """Remove (or, for highlighting, mark) stop words."""
        for t in tokens:
            if t.text in STOP_WORDS and not getattr(t, "acronym", False):
                if t.removestops:
                    continue
                t.stopped = True
            else:
                t.stopped = False
            yield t


class DutchStemFilter(Filter):
    """Reduce words to their Snowball stem; numbers and wildcard terms are left alone."""

    def __init__(self, algorithm: str = "dutch_porter") -> None:
        self.algorithm = algorithm

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        """Replace each word token's text by its stem."""
        algorithm = self.algorithm
        for t in tokens:
            if not t.stopped and not getattr(t, "literal", False) and t.text.isalpha():
                t.text = stem(t.text, algorithm)
            yield t


class DutchLemmaFilter(Filter):
    """Reduce words to lemmas (Snowball for unknown words) and add compound parts.

    A compound gives its own term and, at the same position and character span, the terms
    of its parts (veiligheidsminister -> veiligheidsminister, veiligheid, minister), so a
    part finds the compound and the highlight marks the whole word. Inside a phrase query
    only the word's own term is produced, so that the words stay in sequence.
    """

    def __init__(self, fallback: str = "dutch_porter", compounds: bool = True) -> None:
        self.fallback = fallback
        self.compounds = compounds

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        """Yield each word's term, then the extra terms of its parts."""
        from .lemmas import word_terms

        for t in tokens:
            if t.stopped or getattr(t, "literal", False) or getattr(t, "acronym", False) \
                    or not t.text.isalpha():
                yield t  # acronyms stay as written: IS is not a form of zijn
                continue
            terms = word_terms(t.text, self.fallback, self.compounds)
            t.text = terms[0]
            yield t
            if len(terms) > 1 and not (t.mode == "query" and t.chars):
                t.kind = "part"
                for extra in terms[1:]:
                    t.text = extra
                    yield t
