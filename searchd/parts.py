"""A long document shown a part at a time: the document page and /api/doc/<id> give
PART_CHARS characters at once (a 31 MB document was one 36 MB answer), each part ending at
a line break (else a space) near its multiple of PART_CHARS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .bodytext import StoredText
from .documents import Document

PART_CHARS = 100_000  # characters of a document shown at once
PART_CUT = 2_000  # a part ends at the last line break (else space) of its last this many


@dataclass(frozen=True)
class DocumentView:
    """A whole stored document, with the query's matches marked."""

    document: Document  # its body: the part shown
    body_html: str
    title_html: str
    matches: int  # in the whole document
    similar: list[Any] = field(default_factory=list)  # "more like this": search.Hit
    part: int = 1   # the part shown, of parts (PART_CHARS characters each)
    parts: int = 1
    first_match_part: int | None = None  # where "naar de eerste treffer" leads

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of /api/doc/<id>: the document (its body: this part) and the
        part's number among the parts."""
        return {**self.document.to_dict(), "part": self.part, "parts": self.parts}


def count_parts(body: str | StoredText) -> int:
    """How many parts a body is shown in."""
    return max(1, -(-len(body) // PART_CHARS))


def part_bound(body: str | StoredText, n: int) -> int:
    """Where part n + 1 of a long body begins (0 for n = 0, the end past the last): after
    the last newline, else space, of the PART_CUT characters before n * PART_CHARS."""
    at = n * PART_CHARS
    if at <= 0 or at >= len(body):
        return max(0, min(at, len(body)))
    window = body[at - PART_CUT:at]
    cut = max(window.rfind("\n"), window.rfind(" ")) if "\n" not in window else \
        window.rfind("\n")
    return at - PART_CUT + cut + 1 if cut >= 0 else at


def part_of(body: str | StoredText, char: int, parts: int) -> int:
    """The number of the part that holds character char (parts end before their
    multiple of PART_CHARS, never more than PART_CUT before it)."""
    guess = min(char // PART_CHARS + 1, parts)
    return guess + 1 if guess < parts and char >= part_bound(body, guess) else guess
