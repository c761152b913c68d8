"""The Whoosh analyzer: words from the tokenizer, each turned into its index terms.

The stages (tokenizer.iter_words, folding.fold, stop words, lemmas.word_terms) are small
functions; the analyzer runs them per distinct word and caches the result, so the text of a
document costs one regular-expression pass and one dictionary look-up per word. (Whoosh's
Tokenizer | Filter chain costs a generator and a token update per word per stage: measured
2.5 times slower here.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from whoosh.analysis import Analyzer, Token

from ..cache import MAX_KEY_CHARS
from .folding import fold
from .lemmas import PART_MARK, word_terms
from .stopwords import STOP_WORDS
from .tokenizer import iter_words

MAX_WORD = 64  # longer "words" are kept (cut) but not analysed: splitting them costs O(n^2)
MAX_ACRONYM = 5  # letters: a longer word in capitals is a word (MONDMASKERS), not an acronym
_LETTERS = re.compile(r"[^\W\d_]+")
_JOINERS = re.compile(r"['’‘\-‐‑]")


def is_acronym(word: str) -> bool:
    """True for a word of 2 to MAX_ACRONYM capitals (IS, EU, NAVO, COVID): kept as it is
    (folded), never a stop word, never lemmatised, split or corrected. A longer word in
    capitals (a title, a shout: ZIEKENHUIZEN) is a word like any other."""
    return 1 < len(word) <= MAX_ACRONYM and word.isupper()


def terms_of(word: str, fallback: str, compounds: bool) -> tuple[str, ...]:
    """The index terms of one word as written: () for a stop word; an acronym (IS, EU)
    only folded; numbers as they are; other words as lemmas plus compound parts."""
    folded = fold(word)
    acronym = is_acronym(word)
    if folded in STOP_WORDS and not acronym:
        return ()
    if acronym or not folded.isalpha() or len(folded) > MAX_WORD:
        return (folded[:MAX_WORD],)  # no word is that long: a code, a hash, a runaway
    return word_terms(folded, fallback, compounds)


class DutchAnalyzer(Analyzer):
    """Dutch analysis as a Whoosh analyzer (picklable: it holds only its settings)."""

    def __init__(self, fallback: str = "dutch_porter", compounds: bool = True) -> None:
        self.fallback = fallback
        self.compounds = compounds

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DutchAnalyzer) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((self.fallback, self.compounds))

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: object) -> Iterator[Token]:
        """Yield Whoosh tokens. In a phrase query (query mode with chars) a word gives only
        its own term, so that the phrase's words stay in sequence."""
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:  # a wildcard or prefix term: folded, not stemmed, and without
            # hyphens and apostrophes, as the index runs such words together (covid-*)
            yield _set(token, _JOINERS.sub("", fold(value)), value, start_pos, start_char,
                       start_char + len(value), "word")
            return
        in_phrase = mode == "query" and chars
        fallback, compounds = self.fallback, self.compounds
        # Whoosh's calls (queries, snippets, more-like-this) use the caches of short words
        # alone (cache.word_cache): the words' cache of cached_terms grows to
        # MAX_CACHED_WORDS, sized for the indexer (storage/inversion.py), not for a stream
        # of distinct made-up words a server is sent
        for (word, begin, end, kind), pos in iter_words(value, joined=not in_phrase):
            terms = terms_of(word, fallback, compounds)
            begin, end, pos = begin + start_char, end + start_char, pos + start_pos
            if not terms:
                if not removestops:
                    yield _set(token, fold(word), word, pos, begin, end, kind, stopped=True)
                continue
            yield _set(token, terms[0], word, pos, begin, end, kind)
            if not in_phrase:
                for term in terms[1:]:
                    yield _set(token, term, word, pos, begin, end, "part")
                    if mode == "query" and term[0] == PART_MARK:  # also the part as a word
                        yield _set(token, term[1:], word, pos, begin, end, "part")


_WORD_CACHES: dict[tuple[str, bool], dict[str, tuple[str, ...]]] = {}
MAX_CACHED_WORDS = 1 << 18
_cleared = [0]  # how often a words' cache was emptied (word_table.py's bookkeeping)


def _word_cache(fallback: str, compounds: bool) -> dict[str, tuple[str, ...]]:
    """The index terms of the words met so far, per analysis setting (bounded)."""
    return _WORD_CACHES.setdefault((fallback, compounds), {})


def word_cache(fallback: str, compounds: bool) -> tuple[dict[str, tuple[str, ...]], int]:
    """The words' cache of an analysis setting (words in the order they were first met)
    and how often the caches were emptied so far."""
    return _word_cache(fallback, compounds), _cleared[0]


def cached_terms(word: str, fallback: str, compounds: bool) -> tuple[str, ...]:
    """terms_of(word), from the words' cache (emptied when full; thread-safe enough: a
    word analysed twice at once is stored twice with the same terms)."""
    if len(word) > MAX_KEY_CHARS:  # (a long one is cut and not analysed: cheap, rare)
        return terms_of(word, fallback, compounds)
    cache = _word_cache(fallback, compounds)
    terms = cache.get(word)
    if terms is None:
        if len(cache) >= MAX_CACHED_WORDS:
            cache.clear()
            _cleared[0] += 1
        terms = cache[word] = terms_of(word, fallback, compounds)
    return terms


def _set(token: Token, text: str, original: str, pos: int, startchar: int, endchar: int,
         kind: str, stopped: bool = False) -> Token:
    """Fill the one reused Token (Whoosh's convention) for the next term."""
    token.text = text
    token.original = original
    token.pos = pos
    token.startchar = startchar
    token.endchar = endchar
    token.kind = kind
    token.stopped = stopped
    token.boost = 1.0
    return token


class SurfaceWordsAnalyzer(Analyzer):
    """Each distinct word of a text once, folded but not stemmed: the vocabulary that
    spelling suggestions and completions offer (as people type words, not stems)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SurfaceWordsAnalyzer)

    def __hash__(self) -> int:
        return hash(SurfaceWordsAnalyzer)

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: object) -> Iterator[Token]:
        """Yield one token per distinct word (3 to 40 letters)."""
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            yield _set(token, fold(value), value, start_pos, 0, len(value), "word")
            return
        for word in surface_words(value):
            yield _set(token, word, word, start_pos, 0, 0, "word")


def surface_words(text: str) -> list[str]:
    """The distinct words of text as written (folded, unstemmed, stop words too), sorted."""
    return sorted(letter_words(text))


def letter_words(text: str) -> set[str]:
    """The distinct runs of letters of text, folded, of 3 to 40 letters: the words as
    written (a run of letters never crosses a tokenizer word, so a text's are the union of
    its words')."""
    words = {fold(w) for w in set(_LETTERS.findall(text))}
    return {w for w in words if 3 <= len(w) <= 40}
