"""The word-analysis table: the distinct words of an index's documents with their index
terms, kept beside the index, so that a rebuild or a large sync analyses a word once per
index rather than once per process and run (a first-seen word costs a lexicon look-up and a
compound split; a known one a dict look-up).

It is the analyzer's words' cache (bounded, as in any process) written to
index/words-<digest>.tsv after a large sync and loaded before the next one. The digest names
the analysis: its settings, and the fingerprint of the analysis code and lexicon, so a table
of another analysis is never read (and is deleted at the next save).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from .analysis.analyzer import MAX_CACHED_WORDS, word_cache
from .index import atomic_write

PREFIX = "words-"
Pairs = list[tuple[str, tuple[str, ...]]]


@dataclass(frozen=True)
class Analysis:
    """An analysis: the key that names it (the manifest's) and the analyzer's settings."""

    key: str
    fallback: str
    compounds: bool


@dataclass(frozen=True)
class Mark:
    """Where the words' cache stood: its size, and how often it had been emptied."""

    size: int
    cleared: int


def table_path(index_dir: Path, analysis: Analysis) -> Path:
    """The table file of an analysis in an index folder."""
    digest = hashlib.blake2b(analysis.key.encode("utf-8"), digest_size=8).hexdigest()
    return index_dir / f"{PREFIX}{digest}.tsv"


def load(index_dir: Path, analysis: Analysis) -> int:
    """Fill the words' cache from the analysis's table, if there is one; how many words it
    held. A missing, unreadable or foreign table is no error (words are analysed again)."""
    try:
        text = table_path(index_dir, analysis).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 0
    header, _, body = text.partition("\n")
    if header != _header(analysis):
        return 0
    cache, _ = word_cache(analysis.fallback, analysis.compounds)
    # a quarter of the cache is left to new words: when it is full, it is emptied
    room = MAX_CACHED_WORDS * 3 // 4 - len(cache)
    for line in islice(body.split("\n")[:-1], max(room, 0)):
        word, _, terms = line.partition("\t")
        cache.setdefault(word, tuple(terms.split(" ")) if terms else ())
    return len(cache)


def mark(analysis: Analysis) -> Mark:
    """Where the words' cache stands now (before a share of a sync is written)."""
    cache, cleared = word_cache(analysis.fallback, analysis.compounds)
    return Mark(len(cache), cleared)


def learned_since(since: Mark, analysis: Analysis) -> Pairs:
    """The words the cache learned since the mark (all it holds, if it was emptied)."""
    cache, cleared = word_cache(analysis.fallback, analysis.compounds)
    start = since.size if cleared == since.cleared else 0
    return list(islice(cache.items(), start, None))


def remember(pairs: Pairs, analysis: Analysis) -> None:
    """Words another process analysed, into this one's cache (as far as it has room)."""
    cache, _ = word_cache(analysis.fallback, analysis.compounds)
    for word, terms in islice(pairs, max(MAX_CACHED_WORDS - len(cache), 0)):
        cache.setdefault(word, terms)


def save(index_dir: Path, analysis: Analysis) -> None:
    """Write the words' cache as the analysis's table (atomically), and delete the tables
    of other analyses."""
    cache, _ = word_cache(analysis.fallback, analysis.compounds)
    path = table_path(index_dir, analysis)
    lines = [_header(analysis), *(f"{w}\t{' '.join(t)}" for w, t in cache.items())]
    atomic_write(path, "\n".join(lines) + "\n")
    for other in index_dir.glob(f"{PREFIX}*.tsv"):
        if other != path:
            other.unlink(missing_ok=True)


def _header(analysis: Analysis) -> str:
    """The first line of a table: what analysis it holds."""
    return f"# searchd word analysis {analysis.key}"
