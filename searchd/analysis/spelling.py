"""Dutch spelling rules: how a word is written before and after an ending.

The lowest layer of the analysis (it imports nothing of it): the lexicon uses these rules to
build its tables and the lemma rules above it to reduce unlisted words.
"""

from __future__ import annotations

_VOWELS = frozenset("aeiouy")
_DOUBLING = frozenset("aeou")  # Dutch writes aa, ee, oo, uu; never ii or yy
_DIMINUTIVES = ("etjes", "etje", "tjes", "tje", "pjes", "pje", "kjes", "kje", "jes", "je")


def base_forms(word: str) -> list[str]:
    """Possible singular / uninflected forms of word by Dutch spelling rules."""
    found: list[str] = []
    for suffix in _DIMINUTIVES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            found.append(word[: -len(suffix)])
    if word.endswith("heden"):
        found.append(word[:-5] + "heid")
    if word.endswith("en") and len(word) > 4:
        found.extend(_spellings(word[:-2]))
    if word.endswith(("s", "e")) and len(word) > 3:
        found.extend(_spellings(word[:-1]))
    return found


def _spellings(base: str) -> list[str]:
    """base as written before an ending, and as written alone (kk -> k, o -> oo, v -> f)."""
    forms = [base]
    if len(base) >= 2 and base[-1] == base[-2] and base[-1] not in _VOWELS:
        forms.append(base[:-1])
    elif _open_syllable(base):
        forms.append(base[:-1] + base[-2] + base[-1])
    return forms + [f[:-1] + {"v": "f", "z": "s"}[f[-1]] for f in forms if f[-1] in "vz"]


def _open_syllable(base: str) -> bool:
    """True when base ends in (consonant,) single doubling vowel, consonant (lop-en, og-en);
    an e only in a one-syllable base (spel-en -> speel, but tafel-en -> tafel)."""
    if len(base) < 2 or base[-1] in _VOWELS or base[-2] not in _DOUBLING \
            or (len(base) > 2 and base[-3] in _VOWELS):
        return False
    return base[-2] != "e" or _syllables(base) == 1


def _syllables(word: str) -> int:
    """Number of vowel groups in word."""
    groups, previous = 0, False
    for char in word:
        vowel = char in _VOWELS
        groups += vowel and not previous
        previous = vowel
    return groups


def verb_stem(infinitive: str) -> str:
    """The stem of a Dutch verb, so that verbs meet their nouns (fietsen/fiets, lopen/loop)."""
    if infinitive.endswith("en") and len(infinitive) >= 4:
        base = infinitive[:-2]
        if base[-1] == base[-2] and base[-1] not in _VOWELS:
            base = base[:-1]
        elif _open_syllable(base):
            base = base[:-1] + base[-2] + base[-1]
        return base[:-1] + {"v": "f", "z": "s"}.get(base[-1], base[-1])
    if infinitive.endswith("n") and infinitive[-3:-1] in ("aa", "ee", "oe", "ie"):
        base = infinitive[:-1]  # gaan -> ga, slaan -> sla, doen -> doe, zien -> zie
        return base[:-1] if base[-1] == base[-2] else base
    return infinitive
