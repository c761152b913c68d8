"""Memory bounded in bytes: a stream of distinct made-up words fills no cache past its
bound (issue 24: a worker grew to 988 MB on them)."""

from __future__ import annotations

import random

import pytest

from searchd import segments
from searchd.analysis import analyzer, dutch_analyzer
from searchd.analysis.folding import fold
from searchd.cache import MAX_KEY_CHARS
from searchd.search import Engine

from .conftest import DOCS, module_index


def made_up(rng: random.Random, count: int, low: int = 12, high: int = 36) -> list[str]:
    return ["".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randint(low, high)))
            for _ in range(count)]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine(module_index(tmp_path_factory, "memory", DOCS))


def test_absent_terms_are_charged_in_bytes(engine: Engine,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Each posting list the cache keeps, found or not, is charged its bytes: the cache
    holds at most its capacity over every entry (an absent term was one 'posting')."""
    cache = segments.SizedLRU(64 * 1024)
    monkeypatch.setattr(segments, "_postings", cache)
    words = made_up(random.Random(3), 600)
    for n in range(0, len(words), 5):
        engine.search(" ".join(words[n:n + 5]), snippets=False)
    assert cache.size <= 64 * 1024
    assert len(cache) <= 64 * 1024 // segments.ENTRY_BYTES


def test_queries_do_not_fill_the_indexers_word_cache(engine: Engine) -> None:
    """Whoosh's calls of the analyzer (queries, snippets) leave the indexer's cache of
    words alone; the caches of short words keep no long word."""
    cache, _ = analyzer.word_cache("dutch_porter", True)
    before = len(cache)
    words = made_up(random.Random(4), 200)
    engine.search(" ".join(words[:5]))
    list(dutch_analyzer("dutch_porter", True)(" ".join(words), mode="index"))
    assert len(cache) == before
    fold.cache_clear()  # type: ignore[attr-defined]
    fold("x" * (MAX_KEY_CHARS + 1))
    fold("kort")
    assert fold.cache_info().currsize == 1  # type: ignore[attr-defined]
