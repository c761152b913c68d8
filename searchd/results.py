"""The shapes of a search's answer, one for CLI, page and API: a page of hits, each with its
snippet, the words it lacks and its near-duplicates; and what a result costs to keep."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_LISTED = 20  # near-duplicates of a hit listed by id and title (all are counted)


@dataclass(frozen=True)
class Duplicate:
    """A match that is a near-duplicate of a hit (neardup.py), shown under it."""

    id: str
    title: str
    month: str | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a near-duplicate."""
        return {"id": self.id, "title": self.title, "date": self.month}


@dataclass(frozen=True)
class Hit:
    """One ranked document of a result page."""

    id: str
    title: str
    month: str | None  # "YYYY-MM"
    score: float
    snippet: str  # HTML: escaped text, matches in <mark>
    missing: tuple[str, ...] = ()  # words of the query it lacks (missing.py)
    duplicate_count: int = 0  # matches grouped under it as near-duplicates (neardup.py)
    duplicates: tuple[Duplicate, ...] = ()  # the first MAX_LISTED of them
    explain: dict[str, Any] | None = None  # why it scored as it did, when asked (explain.py)
    format: str = "txt"  # the document's format (formats.FORMATS)
    author: str = ""     # its author, where its metadata names one

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a hit (the month is called "date", as in the seed header)."""
        shape: dict[str, Any] = {
            "id": self.id, "title": self.title, "date": self.month, "score": self.score,
            "snippet": self.snippet, "format": self.format, "author": self.author,
            "missing": list(self.missing),
            "duplicate_count": self.duplicate_count,
            "duplicates": [d.to_dict() for d in self.duplicates]}
        if self.explain is not None:
            shape["explain"] = self.explain
        return shape


@dataclass(frozen=True)
class SearchResult:
    """A page of ranked hits; the JSON shape of `search --json` and /api/search."""

    query: str
    total: int
    page: int
    limit: int
    took_ms: float
    hits: list[Hit] = field(default_factory=list)
    suggestion: str | None = None  # a better spelling of the query, when there is one
    notices: list[str] = field(default_factory=list)  # limits that cut the query short
    sort: str = "relevance"
    # matches per year and per month over all matching documents, newest first
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """Number of result pages."""
        return max(1, -(-self.total // self.limit))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (built field by field: dataclasses.asdict deep-copies, and took
        longer than the cached search it answered)."""
        return {"query": self.query, "total": self.total, "page": self.page,
                "limit": self.limit, "took_ms": self.took_ms,
                "hits": [hit.to_dict() for hit in self.hits], "suggestion": self.suggestion,
                "notices": list(self.notices), "sort": self.sort,
                "facets": {name: dict(counts) for name, counts in self.facets.items()}}


def sized(result: SearchResult) -> tuple[SearchResult, int]:
    """A result and about the bytes it takes in the result cache, its key (which holds the
    query's text) included: strings at 2 bytes a character and 60 of overhead, 150 a hit,
    near-duplicate or facet entry, 1,500 for the objects of an empty result and its key,
    and an explanation at its length as JSON text."""
    hits = result.hits
    strings = [result.query, result.query, result.suggestion or "", *result.notices,
               *(text for h in hits for text in (h.id, h.title, h.snippet)),
               *(text for h in hits for d in h.duplicates for text in (d.id, d.title))]
    entries = len(hits) + sum(len(h.duplicates) for h in hits) + \
        sum(len(counts) for counts in result.facets.values())
    explained = sum(len(repr(h.explain)) for h in hits if h.explain is not None)
    return result, sum(2 * len(s) + 60 for s in strings) + 150 * entries + 1500 + explained
