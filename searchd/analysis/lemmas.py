"""Reduce a folded Dutch word to its index term: lexicon lemma first, Snowball as fallback.

Why not Snowball alone: both Dutch Snowball stemmers conflate words that differ (bom/boom,
minister -> mini) and miss irregular forms (stad/steden, schrijven/schreef/geschreven). The
lexicon knows those; Snowball handles the words it does not know (names, rare words).

The caches of this stage (and of folding, stemming and compounds) are small, 16,384 entries:
the analyzer's words' cache and a writer's inverter keep each word's result, so these only
catch case variants and repeated compound heads. At 100,000 entries they held 138 MB per
build process on the law articles, for no measurable speed (analysing 250,809 distinct
words took 11.5-13.1 s either way).
"""

from __future__ import annotations

from ..cache import word_cache
from .compounds import split_compound
from .lexicon import Lexicon, lexicon
from .spelling import base_forms, verb_stem
from .stemming import stem

# Separable verb particles: "kondigde ... aan" is a form of aankondigen.
_PARTICLES = ("aan", "af", "bij", "door", "in", "mee", "na", "om", "op", "over", "terug",
              "toe", "uit", "voor", "weg", "samen", "tegen", "vast", "los", "neer")


@word_cache()
def word_terms(word: str, fallback: str = "dutch_porter",
               compounds: bool = True) -> tuple[str, ...]:
    """All index terms of one folded word: its own term first, then those of its parts."""
    own, parts = own_and_part_terms(word, fallback, compounds)
    return own + tuple(PART_MARK + p for p in dict.fromkeys(parts))


PART_MARK = "~"  # the index term of a compound's part is its lemma marked: ~minister


@word_cache()
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


@word_cache()
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
    candidates = [c for c in base_forms(word) if c in lex.words or c in lex.forms]
    if not candidates:
        return None
    best = max(candidates, key=lambda c: lex.zipf(lex.lemma(c) or c))
    return lex.lemma(best)


@word_cache()
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
