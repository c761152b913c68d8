"""Inversion: the texts of a batch of documents to their term occurrences, as arrays.

Each distinct word (as the tokenizer matches it) is analysed once per pool into an entry:
its index terms, each with the position, first and last character it takes relative to the
word (a hyphenated word takes several positions), and the words as written it holds (the
words field's vocabulary). A batch of texts then costs one regular-expression pass per
text, one dictionary look-up per word (by map, in C) and a few numpy operations for the
whole batch. What comes out, every term occurrence sorted by document, term (as a string)
and position, is at once the postings of the field and each document's term vector.

The occurrences are those of the tokens DutchAnalyzer yields when indexing, one per word
and term (tests/test_inversion.py holds the two together).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..analysis.analyzer import cached_terms, letter_words
from ..analysis.tokenizer import iter_words, word_matches
from .vectors import encode_vector_arrays

MAX_ENTRIES = 1 << 18  # words an inverter remembers; past it, it starts again
PIECE_CHARS = 1 << 18  # characters of a text whose words are matched at once


class Vocabulary:
    """Strings numbered in the order they come."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.strings: list[str] = []

    def __len__(self) -> int:
        return len(self.strings)

    def number(self, string: str) -> int:
        """The number of one string (a new one gets the next)."""
        number = self.numbers.get(string)
        if number is None:
            number = self.numbers[string] = len(self.strings)
            self.strings.append(string)
        return number

    def ranks(self, numbers: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Each number's rank among the distinct numbers given, by their strings' order,
        and those strings in that order."""
        used, inverse = np.unique(numbers, return_inverse=True)
        strings = [self.strings[i] for i in used.tolist()]
        order = sorted(range(len(strings)), key=strings.__getitem__)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank[inverse.reshape(-1)], [strings[i] for i in order]


@dataclass
class Occurrences:
    """Term occurrences in a batch of texts, sorted by text, term (string order) and
    position: the text's index in the batch, the term's number, its position, its first
    and its last character (+1) in the text."""

    docs: np.ndarray
    terms: np.ndarray
    positions: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def where(self, keep: np.ndarray) -> Occurrences:
        """The occurrences keep (a boolean array) selects, in the same order."""
        return Occurrences(self.docs[keep], self.terms[keep], self.positions[keep],
                           self.starts[keep], self.ends[keep])

    def vectors(self, strings: list[str], count: int, level: int) -> list[bytes]:
        """The term vector of each of count texts (b"" for none; terms named by strings)."""
        firsts, counts = self.postings
        bounds = np.searchsorted(self.docs[firsts], np.arange(count + 1))
        ends = np.append(firsts, len(self.docs))
        vectors = []
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            if lo == hi:
                vectors.append(b"")
                continue
            names = [strings[t] for t in self.terms[firsts[lo:hi]].tolist()]
            first, last = ends[lo], ends[hi]
            vectors.append(encode_vector_arrays(names, counts[lo:hi], self.starts[first:last],
                                                self.ends[first:last], level))
        return vectors

    @cached_property
    def postings(self) -> tuple[np.ndarray, np.ndarray]:
        """Where each posting (a run of one term in one text) begins, and its frequency
        (computed once: the field's postings and its term vectors both read it)."""
        change = (np.diff(self.docs) != 0) | (np.diff(self.terms) != 0)
        firsts = np.flatnonzero(np.concatenate(([len(self.docs) > 0], change)))
        counts = np.diff(np.append(firsts, len(self.docs)))
        return firsts, counts


@dataclass
class Inverted:
    """A batch of texts inverted: the term occurrences, and each text's distinct words as
    written (text index, word number), sorted."""

    occurrences: Occurrences
    word_docs: np.ndarray
    words: np.ndarray


class Inverter:
    """Inverts batches of texts with one analysis (a DutchAnalyzer's settings), numbering
    terms in `terms` and words as written in `surfaces`."""

    def __init__(self, fallback: str, compounds: bool, surfaces: Vocabulary) -> None:
        self.fallback = fallback
        self.compounds = compounds
        self.terms = Vocabulary()
        self.surfaces = surfaces
        self.entries: dict[str, int] = {}
        self._forget()

    def _forget(self) -> None:
        """Start the entries again (they are numerous: memory stays bounded)."""
        self.entries.clear()
        self._first, self._count, self._width = array("q"), array("q"), array("q")
        self._term, self._pos, self._start, self._end = (array("q") for _ in range(4))
        self._word_first, self._word_count, self._word = array("q"), array("q"), array("q")

    def nbytes(self) -> int:
        """Roughly the memory held (the vocabularies' strings are counted by the pool)."""
        flat = (self._term, self._pos, self._start, self._end, self._word)
        return 8 * sum(map(len, flat)) + 150 * len(self.entries)

    def invert(self, texts: list[str]) -> Inverted:
        """The term occurrences and the words as written of a batch of texts."""
        if len(self.entries) > MAX_ENTRIES:
            self._forget()
        id_parts: list[np.ndarray] = []
        start_parts: list[np.ndarray] = []
        counts = np.zeros(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            for offset, piece in _pieces(text):
                ids, begins = self._entries_of(piece)
                id_parts.append(ids)
                start_parts.append(begins + np.int32(offset))
                counts[i] += len(ids)
        ids = np.concatenate(id_parts) if id_parts else np.zeros(0, dtype=np.int32)
        starts = np.concatenate(start_parts) if start_parts else np.zeros(0, dtype=np.int32)
        del id_parts, start_parts
        docs = np.repeat(np.arange(len(texts), dtype=np.int32), counts)
        occurrences = self._occurrences(ids, docs, starts, counts)
        word_docs, surfaces = self._surfaces(ids, docs)
        return Inverted(occurrences, word_docs, surfaces)

    def _entries_of(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The entry number of every word of text (new words analysed) and its first
        character, as arrays (the Python lists of words live for one piece only)."""
        words, starts = word_matches(text)
        entries = list(map(self.entries.get, words))
        if None in entries:
            for word in dict.fromkeys(w for w, e in zip(words, entries) if e is None):
                self._learn(word)
            entries = list(map(self.entries.__getitem__, words))
        return np.array(entries, dtype=np.int32), np.array(starts, dtype=np.int32)

    def _occurrences(self, ids: np.ndarray, docs: np.ndarray, starts: np.ndarray,
                     counts: np.ndarray) -> Occurrences:
        """Every term occurrence of the words ids (their texts docs, their first
        characters starts; counts words in each text), sorted. Positions, characters and
        term numbers are int32 (a text has at most 32 MB) and every intermediate array is
        let go as soon as it is used: a batch of one 31 MB text peaked at 675 MB here."""
        width = self._column(self._width)[ids]  # positions a word takes
        begin = np.cumsum(width, dtype=np.int32) - width  # each word's first position
        del width
        firsts = np.cumsum(counts) - counts  # each text's first word
        # positions count from 0 in each text (an empty text's base is never read)
        begin -= np.append(begin, 0)[firsts][docs]
        word, k = _expand(self._column(self._count)[ids], self._column(self._first)[ids])
        positions = begin[word] + self._column(self._pos)[k]
        del begin
        first = starts[word].astype(np.int32)
        found_starts = first + self._column(self._start)[k]
        found_ends = first + self._column(self._end)[k]
        del first
        terms = self._column(self._term)[k]
        del k
        found_docs = docs[word].astype(np.int32)
        del word
        order = np.lexsort((positions, self.terms.ranks(terms)[0].astype(np.int32),
                            found_docs))
        return Occurrences(found_docs[order], terms[order], positions[order],
                           found_starts[order], found_ends[order])

    @staticmethod
    def _column(values: array) -> np.ndarray:  # type: ignore[type-arg]
        """One of the entries' arrays as int32 (numbers of entries, terms, positions and
        characters within a word are all small)."""
        return np.frombuffer(values, dtype=np.int64).astype(np.int32)

    def _surfaces(self, ids: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each text's distinct words as written: (text, word number) pairs, sorted (a pair
        is coded as one integer, text * count + number, for np.unique)."""
        entries, surfaces = max(len(self.entries), 1), max(len(self.surfaces), 1)
        pairs = np.unique(docs.astype(np.int64) * entries + ids)  # distinct entries of each
        distinct = pairs % entries
        owner, k = _expand(np.frombuffer(self._word_count, dtype=np.int64)[distinct],
                           np.frombuffer(self._word_first, dtype=np.int64)[distinct])
        words = np.unique(pairs[owner] // entries * surfaces
                          + np.frombuffer(self._word, dtype=np.int64)[k])
        return words // surfaces, words % surfaces

    def _learn(self, word: str) -> None:
        """Analyse one new word into an entry."""
        places = []
        if word.isalnum():  # the common case: a plain word, one position
            places = [(t, 0, 0, len(word)) for t in self._terms_of(word)]
            width = 1
        else:  # apostrophes, hyphens, digit groups: iter_words' parts
            width = 0
            for (part, begin, end, _), pos in iter_words(word):
                places += [(t, pos, begin, end) for t in self._terms_of(part)]
                width = pos + 1
        self.entries[word] = len(self._first)
        self._first.append(len(self._term))
        self._count.append(len(places))
        self._width.append(width)
        for term, pos, begin, end in places:
            self._term.append(self.terms.number(term))
            self._pos.append(pos)
            self._start.append(begin)
            self._end.append(end)
        written = [self.surfaces.number(w) for w in letter_words(word)]
        self._word_first.append(len(self._word))
        self._word_count.append(len(written))
        self._word.extend(written)

    def _terms_of(self, word: str) -> tuple[str, ...]:
        """The index terms of one word (the analyzer's cache: analysed once a process)."""
        return cached_terms(word, self.fallback, self.compounds)


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """text in pieces of about PIECE_CHARS characters, cut after a whitespace (so that no word is
    cut; a run of PIECE_CHARS characters without one is cut where it is): (offset, piece). A long
    text's words are matched a piece at a time, so that their Python objects (about 100
    bytes a word) never exist for the whole text at once."""
    size = PIECE_CHARS
    if len(text) <= size:
        yield 0, text
        return
    begin = 0
    while begin < len(text):
        end = min(begin + size, len(text))
        if end < len(text):
            cut = max(text.rfind(" ", begin, end), text.rfind("\n", begin, end))
            end = cut + 1 if cut > begin else end
        yield begin, text[begin:end]
        begin = end


def union_pairs(pairs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (document, number) pairs of several lists of them, sorted."""
    docs = np.concatenate([d for d, _ in pairs])
    numbers = np.concatenate([n for _, n in pairs])
    width = int(numbers.max()) + 1 if len(numbers) else 1
    joined = np.unique(docs * width + numbers)
    return joined // width, joined % width


def _expand(counts: np.ndarray, firsts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For items with counts[i] elements from firsts[i] in a flat array: for every
    element, its item and its index in the flat array (int32)."""
    item = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    offsets = np.arange(len(item), dtype=np.int32)
    offsets -= (np.cumsum(counts, dtype=np.int32) - counts)[item]
    offsets += firsts[item]
    return item, offsets
