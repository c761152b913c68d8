"""Reduce a folded Dutch word to its index term: lexicon lemma first, Snowball as fallback.

Why not Snowball alone: both Dutch Snowball stemmers conflate words that differ (bom/boom,
minister -> mini) and miss irregular forms (stad/steden, schrijven/schreef/geschreven). The
lexicon knows those; Snowball handles the words it does not know (names, rare words).
"""

from __future__ import annotations

from functools import lru_cache

from .compounds import split_compound
from .stemming import stem
from .lexicon import Lexicon, lexicon

_VOWELS = frozenset("aeiouy")
_DOUBLING = frozenset("aeou")  # Dutch writes aa, ee, oo, uu; never ii or yy
# Separable verb particles: "kondigde ... aan" is a form of aankondigen.
_PARTICLES = ("aan", "af", "bij", "door", "in", "mee", "na", "om", "op", "over", "terug",
              "toe", "uit", "voor", "weg", "samen", "tegen", "vast", "los", "neer")
_DIMINUTIVES = ("etjes", "etje", "tjes", "tje", "pjes", "pje", "kjes", "kje", "jes", "je")


@lru_cache(maxsize=100_000)
def word_terms(word: str, fallback: str = "dutch_porter",
               compounds: bool = True) -> tuple[str, ...]:
    """All index terms of one folded word: its own term first, then those of its parts."""
    own, parts = own_and_part_terms(word, fallback, compounds)
    return own + tuple(PART_MARK + p for p in dict.fromkeys(parts))


PART_MARK = "~"  # the index term of a compound's part is its lemma marked: ~minister


@lru_cache(maxsize=100_000)
def own_and_part_terms(word: str, fallback: str = "dutch_porter",
                       compounds: bool = True) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The terms of one folded word itself (its lemma, and the verb without its particle),
    and the lemmas of its compound parts, in order (empty when it is no compound)."""
    own = [lemma_term(word, fallback)]
    particle_less = particle_verb_stem(word)
    if particle_less and particle_less not in own:
        own.append(particle_less)
    parts = tuple(lemma_term(part, fallback) for part in split_compound(word)) \
        if compounds else ()
    return tuple(own), parts


@lru_cache(maxsize=100_000)
def lemma_term(word: str, fallback: str = "dutch_porter") -> str:
    """The index term of one folded word: its lemma (verbs as their stem) or a Snowball stem."""
    lex = lexicon()
    lemma = lex.lemma(word) or rule_lemma(word, lex)
    if lemma is None:
        return stem(word, fallback)
    # A pure verb is reduced to its stem to meet its noun (fietsen/fiets, lopen/loop); a
    # word that is also a noun keeps its form (wagen is a car before it is "to dare").
    return verb_stem(lemma) if lex.pos(lemma) == "v" else lemma


def rule_lemma(word: str, lex: Lexicon) -> str | None:
    """A lemma for an unlisted inflected word, when a regular rule leads to a known lemma."""
    candidates = [c for c in _candidates(word) if c in lex.words or c in lex.forms]
    if not candidates:
        return None
    best = max(candidates, key=lambda c: lex.zipf(lex.lemma(c) or c))
    return lex.lemma(best)


def _candidates(word: str) -> list[str]:
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


@lru_cache(maxsize=100_000)
def particle_verb_stem(word: str) -> str | None:
    """For a form of a separable verb, the stem of the verb without its particle
    (aankondigen -> kondig), so that "kondigde ... aan" is found; else None."""
    lex = lexicon()
    lemma = lex.lemma(word)
    if lemma is None or "v" not in lex.pos(lemma):
        return None
    for particle in _PARTICLES:
        rest = lemma[len(particle):]
        if lemma.startswith(particle) and len(rest) >= 4 and "v" in lex.pos(rest):
            return verb_stem(rest)
    return None
