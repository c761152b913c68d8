"""Split Dutch text into words, handling apostrophes, hyphens and numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import accumulate

# A word: letters/digits, with internal apostrophes or hyphens ("auto's", "IS-strijders",
# "'s-Hertogenbosch"); a number with its digit groups ("5.600", "3,5"). A number's groups
# never join a word with letters: "burgerbewegingen.10." (a note's number after a
# sentence) is two words, not one that no search finds.
_PIECE = r"(?:\d+(?:[.,]\d+)+(?![^\W_])|[^\W_]+)"
_WORD = re.compile(rf"['’‘]?{_PIECE}(?:['’‘\-‐‑]{_PIECE})*")
_WORD_SPLIT = re.compile(f"({_WORD.pattern})")  # re.split: the gaps, then each word
_HYPHENS = re.compile(r"[\-‐‑]")
_APOSTROPHES = "'’‘"
_APOSTROPHE_RE = re.compile("['’‘]")
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
# 's and 't before a word: "'s-Hertogenbosch", "'s avonds", "'t Hooft".
_LEADING_CLITIC = re.compile(r"^['’‘][st](?:[\-‐‑]|$)", re.IGNORECASE)


def normalize_number(word: str) -> str:
    """Drop Dutch thousands separators: 5.600 -> 5600 (3,5 and 1.5.2 stay as they are)."""
    return word.replace(".", "") if _THOUSANDS.fullmatch(word) else word


def split_word(word: str, start: int) -> tuple[list[tuple[str, int, int]], str]:
    """Split one matched word into (part, startchar, endchar) parts and its joined form.

    Apostrophes: a trailing 's is dropped (auto's -> auto), a leading 's-/'t- is dropped
    ('s-Hertogenbosch -> Hertogenbosch), others are removed (d'Hondt -> dHondt).
    Hyphens split the word into parts; the joined form is the parts run together.
    """
    clitic = _LEADING_CLITIC.match(word)
    if clitic:
        start += clitic.end()
        word = word[clitic.end():]
    if len(word) > 2 and word[-2] in _APOSTROPHES and word[-1] in "sS":
        word = word[:-2]
    parts: list[tuple[str, int, int]] = []
    offset = 0
    for piece in _HYPHENS.split(word):
        text = _APOSTROPHE_RE.sub("", piece)
        if text:
            parts.append((normalize_number(text), start + offset, start + offset + len(piece)))
        offset += len(piece) + 1
    return parts, "".join(p[0] for p in parts)


def word_matches(text: str) -> tuple[list[str], list[int]]:
    """Every word match of text (as iter_words sees them, before splitting) and its start
    character, as two lists, from one pass of the regex in C (the bulk writer's input: no
    Python step per word)."""
    pieces = _WORD_SPLIT.split(text)
    bounds = [0, *accumulate(map(len, pieces))]  # where each piece ends: gap, word, gap...
    return pieces[1::2], bounds[1:-1:2]


def vocabulary_end(text: str, limit: int, piece: int = 1 << 18) -> int | None:
    """Where in text its limit + 1st distinct word (as written; the parts of a hyphenated
    word count too) begins, or None when it has no more than limit of them. Read a piece
    at a time, so that only the distinct words are held (a text of no more than limit * 4
    characters cannot have more: not read)."""
    if len(text) <= limit * 4:
        return None
    seen: set[str] = set()
    begin = 0
    while begin < len(text):
        end = min(begin + piece, len(text))
        if end < len(text):  # cut after a whitespace, so that no word is cut
            cut = max(text.rfind(" ", begin, end), text.rfind("\n", begin, end))
            end = cut + 1 if cut > begin else end
        words, starts = word_matches(text[begin:end])
        for word, start in zip(words, starts):
            # a hyphenated word is each of its parts too (bapo-kide-...: 9 words to analyse)
            for key in (word, *_HYPHENS.split(word)) if _HYPHENS.search(word) else (word,):
                if key not in seen:
                    if len(seen) >= limit:
                        return begin + start
                    seen.add(key)
        begin = end
    return None


Word = tuple[str, int, int, str]  # (text, startchar, endchar, kind)


def iter_words(text: str, joined: bool = True,
               start: tuple[int, int] = (0, 0)) -> Iterator[tuple[Word, int]]:
    """Yield (word, position): each word, hyphen parts as words of their own and, when
    joined is true, the hyphenated word run together at the first part's position. start:
    the character and position text begins at."""
    char, pos = start
    for match in _WORD.finditer(text):
        word = match.group()
        if word.isalnum():  # the common case: a plain word
            yield (word, char + match.start(), char + match.end(), "word"), pos
            pos += 1
            continue
        parts, whole = split_word(word, char + match.start())
        if len(parts) > 1 and joined:
            yield (whole, parts[0][1], parts[-1][2], "joined"), pos
        for part, begin, end in parts:
            yield (part, begin, end, "word"), pos
            pos += 1
