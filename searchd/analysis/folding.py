"""Case and diacritic folding."""

from __future__ import annotations

import unicodedata

from ..cache import word_cache


@word_cache()
def fold(word: str) -> str:
    """Lowercase and strip diacritics: Één -> een, geëvalueerd -> geevalueerd, ĳs -> ijs."""
    lowered = word.lower()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
