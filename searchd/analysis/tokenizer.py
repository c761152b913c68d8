"""Split Dutch text into word tokens, handling apostrophes, hyphens and numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer

# A word: letters/digits, with internal apostrophes or hyphens ("auto's", "IS-strijders",
# "'s-Hertogenbosch") and digit groups ("5.600", "3,5").
_WORD = re.compile(
    r"['’‘]?[^\W_]+(?:[.,]\d+)*(?:['’‘\-‐‑][^\W_]+(?:[.,]\d+)*)*"
)
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


class DutchTokenizer(Tokenizer):
    """Whoosh tokenizer for Dutch: words, hyphen parts plus the joined compound."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True,
                 start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: object) -> Iterator[Token]:
        """Yield tokens; a hyphenated word gives its parts and, beside the first, the whole."""
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            yield _fill(token, value, start_pos, start_char, start_char + len(value),
                        literal=True)
            return
        # In a phrase query (query mode with chars) the joined form would break the
        # word sequence, so it is only added when indexing and for single terms.
        with_joined = not (mode == "query" and chars)
        pos = start_pos
        for match in _WORD.finditer(value):
            word = match.group()
            if word.isalnum():  # the common case: a plain word
                yield _fill(token, word, pos, start_char + match.start(),
                            start_char + match.end())
                pos += 1
                continue
            parts, joined = split_word(word, match.start())
            if not parts:
                continue
            if len(parts) > 1 and with_joined:
                yield _fill(token, joined, pos, start_char + parts[0][1],
                            start_char + parts[-1][2], kind="joined")
            for text, begin, end in parts:
                yield _fill(token, text, pos, start_char + begin, start_char + end)
                pos += 1


def _fill(token: Token, text: str, pos: int, startchar: int, endchar: int,
          literal: bool = False, kind: str = "word") -> Token:
    """Reset the shared token for the next word (Whoosh reuses one Token object)."""
    token.kind = kind
    token.text = text
    token.original = text
    token.acronym = len(text) > 1 and text.isupper()
    token.literal = literal
    token.stopped = False
    token.boost = 1.0
    token.pos = pos
    token.startchar = startchar
    token.endchar = endchar
    return token
