"""Snowball stemming, the fallback for words the lexicon does not know."""

from __future__ import annotations

import threading
from typing import Any

from ..cache import word_cache

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


@word_cache()
def stem(word: str, algorithm: str = "dutch_porter") -> str:
    """Stem one folded word with the named Snowball algorithm (cached, thread-safe)."""
    return _stemmer(algorithm).stemWord(word)
