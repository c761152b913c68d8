"""A search request as the CLI, the page and the API make it (SearchRequest), its parameters
checked: text, paging, sort order and months. A bad one is a QueryError that names it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import months
from ..errors import QueryError
from ..formats import CODES
from ..ranked import SORTS
from ..schema import author_code
from .parsing import check_query

Months = tuple[int | None, int | None]


@dataclass(frozen=True)
class SearchRequest:
    """One search, checked (make()): the query text, the page of `limit` hits, the months
    (codes, inclusive; None: open), the order, and what the result should hold: snippets,
    facet counts, near-duplicates grouped (collapse), why each hit scored (explain). Equal
    requests on one state of the index have equal results (the result cache's key)."""

    text: str
    page: int = 1
    limit: int = 10
    months: Months = (None, None)
    sort: str = "relevance"
    snippets: bool = True
    facets: bool = True
    collapse: bool = True
    explain: bool = False
    formats: tuple[str, ...] = ()  # only documents of these formats (formats.CODES); all
    authors: tuple[str, ...] = ()  # only documents of these authors (as written); all

    @classmethod
    def make(cls, text: str, limits: tuple[int, int], *, page: int = 1,
             limit: int | None = None, since: str | None = None, until: str | None = None,
             sort: str = "relevance", snippets: bool = True, facets: bool = True,
             collapse: bool = True, explain: bool = False,
             formats: str | Sequence[str] = (),
             authors: str | Sequence[str] = ()) -> SearchRequest:
        """The request of these parameters as given (limits: the default and the largest
        limit); QueryError naming the first that is wrong."""
        default, most = limits
        limit = default if limit is None else limit
        check_paging(page, limit, most)
        check_sort(sort)
        return cls(check_query(text), page, limit, month_range(since, until), sort,
                   snippets, facets, collapse, explain, format_names(formats),
                   author_names(authors))

    @property
    def filtered(self) -> bool:
        """True when the request is narrowed to some months or formats."""
        return self.months != (None, None) or bool(self.formats or self.authors)

    @property
    def author_numbers(self) -> tuple[int, ...]:
        """The numbers (schema.author_code) of the authors asked for; () for all."""
        return tuple(author_code(name) for name in self.authors)

    @property
    def format_numbers(self) -> tuple[int, ...]:
        """The numbers (formats.CODES) of the formats asked for; () for all."""
        return tuple(CODES.index(name) for name in self.formats)


MAX_AUTHORS = 5         # authors one request may narrow to
MAX_AUTHOR_CHARS = 200  # ... each named in at most this many characters


def author_names(given: str | Sequence[str]) -> tuple[str, ...]:
    """The authors asked for (a name, or a list of names: a name may hold a comma),
    checked; QueryError past MAX_AUTHORS or MAX_AUTHOR_CHARS."""
    names = [given] if isinstance(given, str) else list(given)
    kept = tuple(dict.fromkeys(" ".join(n.split()) for n in names if n.strip()))
    if len(kept) > MAX_AUTHORS:
        raise QueryError(f"at most {MAX_AUTHORS} authors, got {len(kept)}",
                         "too_many_authors", most=MAX_AUTHORS, got=len(kept))
    if any(len(name) > MAX_AUTHOR_CHARS for name in kept):
        raise QueryError(f"an author's name has at most {MAX_AUTHOR_CHARS} characters",
                         "author_too_long", most=MAX_AUTHOR_CHARS)
    return kept


def format_names(given: str | Sequence[str]) -> tuple[str, ...]:
    """The formats asked for ("pdf,docx", or a list of names), checked, sorted; QueryError
    naming a format searchd does not know."""
    names = given.split(",") if isinstance(given, str) else list(given)
    wanted = {name.strip().lower() for name in names if name.strip()}
    unknown = sorted(wanted - set(CODES))
    if unknown:
        raise QueryError(f"format must be one of {', '.join(CODES)}, got {unknown[0][:20]!r}",
                         "unknown_format", allowed=", ".join(CODES), got=unknown[0][:20])
    return tuple(sorted(wanted, key=CODES.index))

MAX_PAGE = 10_000


def parse_month(value: str | None, name: str) -> tuple[int, int] | None:
    """Parse YYYY-MM, or a year YYYY (since: its January; until: its December), or None;
    QueryError naming the parameter otherwise."""
    if value is None or value == "":
        return None
    value = value.strip()
    if len(value) == 4 and value.isascii() and value.isdigit():
        value += "-12" if name == "until" else "-01"
    parsed = months.parse(value)
    if parsed is None:
        raise QueryError(f"{name} must be a month as YYYY-MM, got {value[:20]!r}", "bad_month",
                         name=name, got=value[:20])
    return parsed


def month_range(since: str | None, until: str | None) -> tuple[int | None, int | None]:
    """The month codes of since..until (YYYY-MM or None; whole months, inclusive)."""
    start, end = parse_month(since, "since"), parse_month(until, "until")
    if start and end and start > end:
        raise QueryError(f"since ({since}) is after until ({until})", "months_reversed",
                         since=since, until=until)
    return (months.code(*start) if start else None, months.code(*end) if end else None)


def check_sort(sort: str) -> None:
    """QueryError unless sort is one of SORTS."""
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, got {sort[:20]!r}",
                         "unknown_sort", got=sort[:20])


def check_paging(page: int, limit: int, max_limit: int) -> None:
    """QueryError unless 1 <= page <= MAX_PAGE and 1 <= limit <= max_limit."""
    if not 1 <= page <= MAX_PAGE:
        raise QueryError(f"page must be between 1 and {MAX_PAGE}, got {page}", "page_range",
                         most=MAX_PAGE, got=page)
    if not 1 <= limit <= max_limit:
        raise QueryError(f"limit must be between 1 and {max_limit}, got {limit}", "limit_range",
                         most=max_limit, got=limit)


def part_number(raw: str) -> int:
    """The part of a long document asked for (?deel=): 1 when not given; QueryError unless
    a whole number of 1 or more (past the last part, the document shows its last)."""
    if not raw:
        return 1
    if not (raw.isascii() and raw.isdigit()) or int(raw[:9]) < 1:
        raise QueryError(f"deel must be a whole number of 1 or more, got {raw[:20]!r}",
                         "bad_part", got=raw[:20])
    return int(raw[:9])
