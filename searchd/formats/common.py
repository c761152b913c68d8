"""What the format modules share: paragraphs joined, dates as months, short metadata."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from .. import months

MAX_META_CHARS = 500  # a title or author longer than this is cut
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")


def paragraphs(pieces: Iterable[str]) -> str:
    """Pieces of text as paragraphs apart by blank lines, runs of spaces made one."""
    kept = (_SPACES.sub(" ", piece).strip() for piece in pieces)
    return _BLANKS.sub("\n\n", "\n\n".join(p for p in kept if p))


def month_of(value: object) -> str | None:
    """YYYY-MM of a date, a datetime or a text that starts with a date (ISO, or a PDF's
    D:YYYYMM...); None when there is none."""
    if isinstance(value, (date, datetime)):
        return months.text(value.year, value.month) if value.year >= 1000 else None
    if not isinstance(value, str):
        return None
    match = re.match(r"\s*(?:D:)?(\d{4})-?(\d{2})", value)
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    return months.text(year, month) if 1000 <= year and 1 <= month <= 12 else None


def meta(value: object) -> str:
    """A metadata text (title, author): one line, at most MAX_META_CHARS."""
    if not isinstance(value, str):
        return ""
    return _SPACES.sub(" ", " ".join(value.split()))[:MAX_META_CHARS].strip()
