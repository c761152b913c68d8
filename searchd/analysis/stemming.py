"""Snowball stemming, the fallback for words the lexicon does not know."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_local = threading.local()


def _stemmer(algorithm: str) -> Any:
    """A Snowball stemmer for this thread (stemmer objects are not thread-safe)."""
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if algorithm not in stemmers:
        import snowballstemmer  # hands the work to PyStemmer's C code when installed

        stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    return stemmers[algorithm]


@lru_cache(maxsize=1 << 14)
def stem(word: str, algorithm: str = "dutch_porter") -> str:
    """Stem one folded word with the named Snowball algorithm (cached, thread-safe)."""
    return _stemmer(algorithm).stemWord(word)
