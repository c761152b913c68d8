"""Split Dutch compounds into their parts with the lexicon (decompounding).

A split is accepted when every part is a content word of the lexicon (not a function word or
verb particle: aanslag is not aan + slag), common enough to be meant (Zipf >= MIN_PART_ZIPF,
more for three-letter parts), and when every part is more frequent than the whole word: a
frequent word is a word of its own (kantoor is not kant + oor, ziekenhuis not ziek + huis), a
rarer one is read as its parts (veiligheidsminister, basisschool, ziekenhuisbed). Linking
morphemes -s-, -e-, -en-, -er- join the parts (veiligheid-s-minister, boek-en-kast,
kind-er-opvang).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from ..cache import word_cache
from .lexicon import Lexicon, lexicon

MIN_WORD = 6        # shorter words are not split
MIN_PART = 3        # letters in a part
MIN_PART_ZIPF = 2.5
MIN_SHORT_PART_ZIPF = 3.5  # for three-letter parts, which match by chance more often
MAX_PARTS = 4
_LINKS = ("s", "en", "e", "er")
_LINK_ENDS = frozenset(link[-1] for link in _LINKS)  # s, n, e, r
# Function words and separable particles: never a part of a compound.
NOT_PARTS = frozenset("""
aan af al als achter bij binnen boven buiten daar dan dat de der die dit door een en er
heen her het hier in is langs mee met na naar neer niet om onder ont op over rond samen
tegen ter terug toe tot uit van ver voor voorbij weer weg zo zonder
""".split())
# Endings that are also (rare) words: strijd + ers is strijders, not a compound.
SUFFIXES = frozenset(
    "ers ster sters aar aars heid ing ingen lijk baar isch tie ties ist isten".split())


@word_cache()
def split_compound(word: str) -> tuple[str, ...]:
    """The lemmas of word's parts, modifiers first; () when it is not a compound."""
    if len(word) < MIN_WORD or not word.isalpha():
        return ()
    lex = lexicon()
    whole = lex.lemma(word)
    if whole is not None and lex.pos(whole) == "v":
        return ()  # verbs are not compounds here: parkeren is not park + eren
    # A word the lexicon knows is split in two at most: bestrijding is not best + rij + ding.
    best = _best_split(word, 2 if whole is not None else MAX_PARTS)
    if best is None:
        return ()
    whole_zipf = lex.zipf(whole or word)  # names count too: Rotterdam is not rot + dam
    return best if min(lex.zipf(p) for p in best) > whole_zipf else ()


@word_cache()
def _best_split(word: str, max_parts: int) -> tuple[str, ...] | None:
    """The split with the fewest parts, then the most frequent ones; None if none.
    (Cached: the same right-hand sides come up again and again.)"""
    lex = lexicon()
    is_part = _part_test(lex)
    best: tuple[str, ...] | None = None
    best_key: tuple[int, float] | None = None
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        modifiers = _modifiers(word[:i], lex, is_part)  # first: the head may be split
        if not modifiers:
            continue
        head = _head(word[i:], lex, is_part, max_parts - 1)
        if head is None:
            continue
        for modifier in modifiers:
            parts = (modifier, *head)
            key = (-len(parts), min(lex.zipf(p) for p in parts))
            if best_key is None or key > best_key:
                best, best_key = parts, key
    return best


def _modifiers(left: str, lex: Lexicon, is_part: Callable[[str], bool]) -> list[str]:
    """Lemmas the left side of a split can stand for, with or without a linking morpheme."""
    found = [left] if is_part(left) else []
    if left[-1] not in _LINK_ENDS:  # most split points: no link, no plural
        return found
    if left.endswith(("en", "s")):  # a plural noun as modifier: ambtenaren-pensioen
        lemma = lex.lemma(left)
        if lemma and lemma != left and "n" in lex.pos(lemma) and is_part(lemma):
            found.append(lemma)
    for link in _LINKS:
        if left.endswith(link) and is_part(left[: -len(link)]):
            found.append(left[: -len(link)])
    return found


def _head(right: str, lex: Lexicon, is_part: Callable[[str], bool],
          max_parts: int) -> tuple[str, ...] | None:
    """The right side as one part (an inflected form allowed) or as a compound itself."""
    lemma = lex.lemma(right)
    if lemma is not None and is_part(lemma) and right not in SUFFIXES:
        return (lemma,)
    if max_parts >= 2 and len(right) >= MIN_WORD:
        return _best_split(right, max_parts)
    return None


def _part_test(lex: Lexicon) -> Callable[[str], bool]:
    """_is_part for lex: when its tables are dicts (indexing), a look-up in the set of
    every part (a split tries a dozen candidates)."""
    return _part_set(lex).__contains__ if lex.expanded else partial(_is_part, lex=lex)


def _is_part(word: str, lex: Lexicon) -> bool:
    """True for a content word of the lexicon that is common enough to be a part."""
    if len(word) < MIN_PART or word in NOT_PARTS or not lex.pos(word):
        return False
    return _common_enough(word, lex.zipf(word))


def _common_enough(word: str, zipf: float) -> bool:
    """True when a lemma of word's length is frequent enough to be a part."""
    return zipf >= (MIN_SHORT_PART_ZIPF if len(word) == MIN_PART else MIN_PART_ZIPF)


def _part_set(lex: Lexicon) -> frozenset[str]:
    """Every word _is_part accepts, from an expanded lexicon's lemmas (made once)."""
    parts: frozenset[str] | None = lex.derived.get("compound parts")
    if parts is None:
        parts = frozenset(word for word, zipf in lex.lemma_frequencies()
                          if len(word) >= MIN_PART and _common_enough(word, zipf)) - NOT_PARTS
        lex.derived["compound parts"] = parts
    return parts


def prepare(lex: Lexicon) -> None:
    """Make what splitting needs from an expanded lexicon now (before workers fork)."""
    if lex.expanded:
        _part_set(lex)


def could_be_part(word: str) -> bool:
    """True when a folded word could be a part of an indexed compound (its lemma is a
    content word common enough): only then can a document hold it as ~part."""
    lex = lexicon()
    lemma = lex.lemma(word)
    return lemma is not None and _is_part(lemma, lex)


LINKS = ("s", "e", "en", "n")  # linking letters a modifier may end with (veiligheid-s-beleid)


def part_surfaces(word: str, lemma_of: Callable[[str], str], parts: tuple[str, ...]
                  ) -> tuple[str, ...]:
    """The two parts of a compound as they are written in it, the modifier without its
    linking letters (ministerkabinetten: minister, kabinetten; veiligheidsbeleid:
    veiligheid, beleid), given the terms of its parts and lemma_of (a word's term); () for
    a split of more parts, or one not found so."""
    if len(parts) != 2:
        return ()
    lex = lexicon()
    for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):  # the longest head first
        left, right = word[:cut], word[cut:]
        if lemma_of(right) != parts[1] and right != parts[1]:
            continue
        stripped = [left[:-len(link)] for link in LINKS if left.endswith(link)]
        for modifier in [*stripped, left]:  # the modifier's own form before a linked one
            if len(modifier) >= MIN_PART and lemma_of(modifier) == parts[0]:
                return modifier, right
        if left in lex.words or left in lex.forms:
            return left, right
    return ()
