"""Spelling suggestions ("Bedoelde u") and completions, from the words of the index.

Both read the `words` field (every word as written, folded, unstemmed). Each segment's words
and their document counts (its word list, storage/wordlists.py) are read once into a sorted
table and kept by segment id: segments
never change once written, so after a sync only the new segment is read. Near spellings are
found by rapidfuzz's Damerau-Levenshtein among the words with the same first letter.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from whoosh.reading import IndexReader

from .analysis.folding import fold
from .analysis.stopwords import STOP_WORDS
from .cache import SizedLRU
from .query import budget
from .query.syntax import OPERATORS
from .schema import WORDS
from .storage import field_terms, word_list

FIELD = WORDS
_WORD = re.compile(r"(?<![\w:])[^\W\d_]{3,}(?![\w:*])")
_LAST_WORD = re.compile(r"[^\W\d_]+$")

RARE = 2          # a word in fewer documents than this may be misspelled
BETTER = 5        # a suggestion must be in this many times as many documents
_CACHED_SEGMENTS = 64


class WordTable:
    """One segment's words, sorted, with the number of documents each occurs in.

    The words (which never hold a newline) are kept as one UTF-8 blob ("word\\n" after
    word, in the index's byte order) with numpy offsets and counts: the 360,000 words of
    nl-laws's two segments took 27 MB as lists of str in every server process, and 10 MB so."""

    def __init__(self, blob: bytes, starts: np.ndarray, counts: np.ndarray) -> None:
        self.blob, self.starts, self.counts = blob, starts, counts  # starts: one past the end

    @classmethod
    def read(cls, segment: IndexReader) -> WordTable:
        """The table of one segment reader's words field: its word list, or for a segment
        written before word lists, its terms."""
        listed = word_list(segment)
        if listed is not None:
            return cls(*listed)
        return cls.of(field_terms(segment, FIELD))  # in term order: already sorted

    @classmethod
    def of(cls, pairs: Iterable[tuple[bytes, int]]) -> WordTable:
        """The table of (UTF-8 word, document count) pairs, in byte order of the words."""
        blob, counts, starts = bytearray(), array("q"), array("q", [0])
        for word, count in pairs:
            blob += word
            blob += b"\n"
            starts.append(len(blob))
            counts.append(count)
        return cls(bytes(blob), np.frombuffer(starts, dtype=np.int64),
                   np.frombuffer(counts, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.counts)

    def word(self, i: int) -> str:
        """The i-th word."""
        return self._utf8(i).decode("utf-8")

    def _utf8(self, i: int) -> bytes:
        """The i-th word's bytes."""
        return self.blob[self.starts[i]:self.starts[i + 1] - 1]

    def words(self, span: range) -> list[str]:
        """The words at the positions of span (a range of consecutive positions)."""
        if not span:
            return []
        return self.blob[self.starts[span.start]:self.starts[span.stop] - 1] \
            .decode("utf-8").split("\n")

    def _first_from(self, key: bytes, lo: int = 0) -> int:
        """Position of the first word that sorts at or after key (bytes order)."""
        hi = len(self.counts)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._utf8(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def count(self, word: str) -> int:
        """Documents of this segment containing word."""
        key = word.encode("utf-8", "surrogatepass")  # an undecodable byte: not found
        i = self._first_from(key)
        found = i < len(self.counts) and self._utf8(i) == key
        return int(self.counts[i]) if found else 0

    def prefixed(self, prefix: str) -> range:
        """Positions of the words that start with prefix."""
        key = prefix.encode("utf-8", "surrogatepass")
        low = self._first_from(key)
        return range(low, self._first_from(key + b"\xff", lo=low))

    def most_frequent(self, span: range, limit: int) -> list[str]:
        """The limit words of span in the most documents (at equal counts, the first)."""
        counts = self.counts[span.start:span.stop]
        if len(counts) <= limit:
            return self.words(span)
        cut = np.partition(counts, len(counts) - limit)[len(counts) - limit]
        above = np.flatnonzero(counts > cut)
        at_cut = np.flatnonzero(counts == cut)[:limit - len(above)]
        return [self.word(span.start + int(i)) for i in np.concatenate([above, at_cut])]


_tables = SizedLRU(_CACHED_SEGMENTS)  # one unit a segment


def word_tables(reader: IndexReader) -> list[WordTable]:
    """The word table of every segment of reader (read once per segment); a cluster's
    reader (cluster/lexicon.py) holds every shard's."""
    held = getattr(reader, "word_tables", None)
    if held is not None:
        return list(held())
    tables = []
    for segment, _ in reader.leaf_readers():
        if segment.segment() is None:  # an index without documents
            continue
        key = segment.segment().segment_id()
        tables.append(_tables.get(key, _reader_of(segment)))
    return tables


def _reader_of(segment: Any) -> Callable[[], tuple[WordTable, int]]:
    """What reads a segment's WordTable (and its size in the cache) when it is not cached."""
    return lambda: (WordTable.read(segment), 1)


class LazyTables(Sequence[WordTable]):
    """The word tables of a reader, read when first needed: a query of words the index or
    the lexicon knows needs none, and reading them takes a second on 219,000 documents
    (a cold `searchd search`). Until then a word's count comes from the term index."""

    def __init__(self, reader: IndexReader) -> None:
        self._reader = reader
        self._tables: list[WordTable] | None = None

    @property
    def loaded(self) -> bool:
        """True once the tables were read."""
        return self._tables is not None

    def _all(self) -> list[WordTable]:
        if self._tables is None:
            self._tables = word_tables(self._reader)
        return self._tables

    def __getitem__(self, index: int) -> WordTable:  # type: ignore[override]
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[WordTable]:
        return iter(self._all())

    def count(self, word: str) -> int:
        """Documents containing word (from the tables when they were read)."""
        if self._tables is not None:
            return sum(t.count(word) for t in self._tables)
        try:
            return int(self._reader.doc_frequency(FIELD, word))
        except (UnicodeEncodeError, ValueError):  # (a lone surrogate: no such word)
            return 0


def doc_count(tables: Sequence[WordTable], word: str) -> int:
    """Documents (over all segments) containing word."""
    if isinstance(tables, LazyTables):
        return tables.count(word)
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
        candidates.update(table.most_frequent(table.prefixed(prefix), limit * 3))
    ranked = sorted(candidates, key=lambda w: (-doc_count(tables, w), w))
    return ranked[:limit]


def suggest(tables: Sequence[WordTable], text: str) -> str | None:
    """The query with misspelled words replaced by frequent near spellings, or None. Each
    word looked up spends the search's allowance (budget.lookup); once it is spent, the
    other words stay as typed."""
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        better = better_spelling(tables, match.group(), budget.lookup)
        if better is None:
            return match.group()
        changed = True
        return better

    suggestion = _WORD.sub(replace, text)
    return suggestion if changed else None


TYPO_FROM = (5, 9)  # letters from which a query word tolerates 1 and 2 typos


def max_edits(length: int) -> int:
    """Edits a misspelling of a word of this many letters may have, for "Bedoelde u":
    2 from 9 letters (as for typos), else 1 (2 edits made "strikt" of "script")."""
    return max(1, typo_edits(length))


def typo_edits(length: int, from_letters: tuple[int, int] = TYPO_FROM) -> int:
    """Typos tolerated in a query word of this many letters (as Meilisearch: 1 from 5
    letters, 2 from 9)."""
    return 2 if length >= from_letters[1] else 1 if length >= from_letters[0] else 0


def _same_first_letter(tables: Sequence[WordTable], folded: str, edits: int) -> set[str]:
    """The index's words that start as folded does and are within `edits` Damerau edits
    of it (folded itself excluded)."""
    from rapidfuzz import process  # only when a word looks misspelled: keeps start-up short
    from rapidfuzz.distance import DamerauLevenshtein

    near: set[str] = set()
    for table in tables:
        words = [w for w in table.words(table.prefixed(folded[0]))
                 if abs(len(w) - len(folded)) <= edits and w != folded]
        found = process.extract(folded, words, scorer=DamerauLevenshtein.distance,
                                score_cutoff=edits, limit=None)
        near.update(w for w, _, _ in found)
    return near


def near_words(tables: Sequence[WordTable], folded: str, edits: int) -> dict[str, int]:
    """{word: documents} of the index's words within `edits` edits of folded (Damerau:
    a swap is one edit; a change of the first letter counts two), folded itself excluded."""
    if edits <= 0 or not folded:
        return {}
    near = _same_first_letter(tables, folded, edits)
    if edits >= 2:  # one typo in the first letter (counts two), the rest as typed
        near.update(w for w in _first_letter_variants(folded) if doc_count(tables, w))
    return {w: doc_count(tables, w) for w in near}


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def lexicon_near(folded: str, edits: int) -> list[str]:
    """Words of the Dutch lexicon (lemmas and inflected forms) within `edits` edits of
    folded that share its first two letters, most frequent first: the spelling a query
    word was meant to have when the index has no word near it (the compound "zeevaart"
    is in no document, its parts are)."""
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein

    from .analysis.lexicon import lexicon

    if len(folded) < 3 or edits <= 0:
        return []
    lex = lexicon()
    words = lex.words_sized(folded[:2], len(folded) - edits, len(folded) + edits)
    found = [w for w, _, _ in process.extract(folded, words, limit=None,
                                              scorer=DamerauLevenshtein.distance,
                                              score_cutoff=edits) if w != folded]
    return sorted(found, key=lambda w: (-lex.zipf(lex.lemma(w) or w), w))


def compound_near(folded: str, edits: int, tries: int = 3,
                  typo_from: tuple[int, int] = TYPO_FROM) -> list[str]:
    """Spellings of a compound with a typo in one part: one side of a split is a word of
    the lexicon (a linking s or e allowed), the other within `edits` of one, and no
    further than a word of its own length may be misspelled (typo_edits): "voltrix" is
    no typo of "voltrek", so snapvoltrix is no compound of snap. The splits with the
    longest known side are tried first, at most `tries` of them."""
    from .analysis.lexicon import lexicon

    lex = lexicon()
    splits = []
    for i in range(4, len(folded) - 3):
        left, right = folded[:i], folded[i:]
        if _known(left, lex) and _known(right, lex):
            return []  # a compound of known words, spelled right (zeppelinwerf)
        if _known(left, lex):
            splits.append((len(left), left, right, True))
        if _known(right, lex):
            splits.append((len(right), left, right, False))
    for _, left, right, left_known in sorted(splits, reverse=True)[:tries]:
        typo = right if left_known else left
        near = lexicon_near(typo, min(edits, typo_edits(len(typo) + 1, typo_from)))[:2]
        found = [left + w if left_known else w + right for w in near]
        if found:
            return found
    return []


def _known(part: str, lex: object) -> bool:
    """True for a lexicon word, or one followed by a linking s or e."""
    words = lex.words  # type: ignore[attr-defined]
    return part in words or (part[-1:] in "se" and part[:-1] in words and len(part) > 4)


def _first_letter_variants(word: str) -> set[str]:
    """Words that differ from word by one edit that touches its first letter."""
    variants = {c + word[1:] for c in _LETTERS} | {c + word for c in _LETTERS} | {word[1:]}
    if len(word) > 1:
        variants.add(word[1] + word[0] + word[2:])
    variants.discard(word)
    return {v for v in variants if v and v[0] != word[0]}


def better_spelling(tables: Sequence[WordTable], word: str,
                    allowed: Callable[[], bool] = lambda: True) -> str | None:
    """A much more frequent word of the index within a small edit distance, or None (also
    when the word would need a look-up and allowed() says no more)."""
    folded = fold(word)
    if word in OPERATORS or folded in STOP_WORDS:
        return None
    seen = doc_count(tables, folded)
    if seen >= RARE or not allowed():
        return None
    near = _same_first_letter(tables, folded, max_edits(len(folded)))
    if not near:
        return None
    count, best = max((doc_count(tables, w), w) for w in near)
    if count <= BETTER * seen:
        return None
    return best.capitalize() if word[:1].isupper() else best
