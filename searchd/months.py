"""Months: the one date a document has (its seed header's YYYY-MM), in every form searchd
uses it: the text "2017-11", (year, month), a month code for arrays (year * 12 + month - 1),
the code the index's date column holds, and the Dutch label "november 2017".
"""

from __future__ import annotations

import re

NAMES = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
         "september", "oktober", "november", "december")
_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})")
# A seed header may write the month with one digit, or add a day: 2017-3, 2017-03-15.
_HEADER = re.compile(r"([0-9]{4})-([0-9]{1,2})(?:-[0-9]{1,2})?")
UNDATED = 2**31 - 1  # the month code of a document without a date (after every real one)


def parse(value: str) -> tuple[int, int] | None:
    """(year, month) of "YYYY-MM"; None when text is not a real month."""
    match = _TEXT.fullmatch(value)
    return _checked(int(match[1]), int(match[2]), 1) if match else None


def parse_header(word: str) -> tuple[int, int] | None | str:
    """(year, month) of a seed header's date word (2017-11, 2017-3, 2017-11-02); None when
    it is not written as a date; "unreal" when it is, but not of a real month."""
    match = _HEADER.fullmatch(word)
    if match is None:
        return None
    return _checked(int(match[1]), int(match[2]), 1000) or "unreal"


def _checked(year: int, month: int, first_year: int) -> tuple[int, int] | None:
    """(year, month) when the month is 1-12 and the year at least first_year (a query
    may name any year; a seed header's year of less than 1000 is a typing error)."""
    return (year, month) if 1 <= month <= 12 and year >= first_year else None


def text(year: int, month: int) -> str:
    """(2017, 3) -> "2017-03"."""
    return f"{year:04d}-{month:02d}"


def code(year: int, month: int) -> int:
    """The month code of a year and month (1-12): months since year 0, ordered."""
    return year * 12 + month - 1


def text_of_code(value: int) -> str:
    """A month code as "YYYY-MM"."""
    return text(value // 12, value % 12 + 1)


def year_of_code(value: int) -> str:
    """The year of a month code as "YYYY"."""
    return f"{value // 12:04d}"


def code_of(month: str) -> int:
    """"2017-11" (a parsed month) -> its month code, as the index's date column holds it."""
    return code(int(month[:4]), int(month[5:7]))


def label(month: str | None) -> str:
    """"2017-11" -> "november 2017" (the value itself when it is not a month)."""
    parsed = parse(month) if month else None
    if parsed is None:
        return month or ""
    return f"{NAMES[parsed[1] - 1]} {parsed[0]}"
