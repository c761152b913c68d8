"""The outcome of a ranking: the matches of a query in order, their months (for facets) and
their near-duplicate fingerprints; the orders a search may ask for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import months
from .formats import CODES

SORTS = ("relevance", "newest", "oldest")
UNDATED = months.UNDATED


@dataclass(frozen=True)
class Ranked:
    """All matches of a query, ordered: global document numbers and scores of the first
    `wanted` of them, how many matched, and their months (for facets)."""

    total: int
    docnums: np.ndarray
    scores: np.ndarray
    months: np.ndarray  # month code of every match (year * 12 + month - 1), UNDATED if none
    matched: np.ndarray | None = None  # the document number of every match, as months
    prints: np.ndarray | None = None  # the near-duplicate fingerprint of every match, as months
    formats: np.ndarray | None = None  # the format number (formats.CODES) of every match
    authors: np.ndarray | None = None  # the author number (schema.author_code) of every match
    keys: np.ndarray | None = None  # the order key (schema.order_key) of every match
    # a ranking on a shard waiting for a Calibration factor: its (highest lower, least upper)
    pending: tuple[float | None, float | None] | None = None

    @classmethod
    def waiting(cls, pending: tuple[float | None, float | None]) -> Ranked:
        """No ranking yet: its part of the next Calibration factor (statistics.py)."""
        empty = np.zeros(0, dtype=np.int64)
        return cls(0, empty, np.zeros(0), np.zeros(0, dtype=np.int32), pending=pending)

    def keeping(self, kept: np.ndarray) -> Ranked:
        """These matches less those not in kept (document numbers in order): its total,
        page and months (facets) alike."""
        docs = self.matched if self.matched is not None else self.docnums
        keep, kept_matches = np.isin(self.docnums, kept), np.isin(docs, kept)
        return Ranked(len(kept), self.docnums[keep], self.scores[keep],
                      self.months[kept_matches], docs[kept_matches],
                      None if self.prints is None else self.prints[kept_matches],
                      None if self.formats is None else self.formats[kept_matches],
                      None if self.authors is None else self.authors[kept_matches])

    def facets(self) -> dict[str, dict[str, int]]:
        """{"year": {"2017": 40, ...}, "month": {"2017-11": 3, ...}}, newest first (documents
        without a date are not counted there, but in "undated": {"count": 722}), and
        "format": {"pdf": 12, ...}, most first."""
        codes, counts = np.unique(self.months[self.months != UNDATED], return_counts=True)
        by_year: dict[str, int] = {}
        by_month: dict[str, int] = {}
        for code, count in zip(codes[::-1].tolist(), counts[::-1].tolist()):
            year = months.year_of_code(code)
            by_month[months.text_of_code(code)] = count
            by_year[year] = by_year.get(year, 0) + count
        by_format: dict[str, int] = {}
        if self.formats is not None:
            numbers, tally = np.unique(self.formats, return_counts=True)
            for number, count in sorted(zip(numbers.tolist(), tally.tolist()),
                                        key=lambda nc: (-nc[1], nc[0])):
                by_format[CODES[number]] = count
        undated = int(np.count_nonzero(self.months == UNDATED))
        return {"year": by_year, "month": by_month, "format": by_format,
                "undated": {"count": undated}}


def top_authors(ranked: Ranked, most: int) -> list[tuple[int, int, int]]:
    """The `most` authors with most matches: (author number, matches, a document of
    theirs), most first, then by number; documents without an author are not counted."""
    if ranked.authors is None or ranked.matched is None:
        return []
    named = ranked.authors != 0
    codes, first, counts = np.unique(ranked.authors[named], return_index=True,
                                     return_counts=True)
    docs = ranked.matched[named][first]
    order = sorted(range(len(codes)), key=lambda i: (-int(counts[i]), int(codes[i])))[:most]
    return [(int(codes[i]), int(counts[i]), int(docs[i])) for i in order]


@dataclass(frozen=True)
class Filters:
    """Which matches a ranking keeps: months (since, until), inclusive month codes;
    formats (numbers of formats.CODES) and authors (schema.author_code) when given."""

    months: tuple[int | None, int | None] = (None, None)
    formats: tuple[int, ...] = ()
    authors: tuple[int, ...] = ()

    def kept(self, tables: Any) -> np.ndarray | bool:
        """Which documents of a segment (its SegmentTables) pass the filters."""
        mask = in_months(tables.months, self.months)
        if self.formats:
            mask = mask & np.isin(tables.formats, self.formats)
        if self.authors:
            mask = mask & np.isin(tables.authors, np.array(self.authors, dtype=np.uint64))
        return mask


def in_months(codes: np.ndarray, months: tuple[int | None, int | None]) -> np.ndarray | bool:
    """True for documents dated within months (since, until); all when neither is set."""
    since, until = months
    if since is None and until is None:
        return True
    keep = codes != UNDATED
    if since is not None:
        keep &= codes >= since
    if until is not None:
        keep &= codes <= until
    return keep


def order(docs: np.ndarray, scores: np.ndarray, months: np.ndarray, sort: str,
          wanted: int, keys: np.ndarray | None = None) -> np.ndarray:
    """Positions of the first `wanted` matches in sort order; equal ones by their order
    keys (schema.order_key: the same however the index is split), then by docs."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    candidates = np.arange(len(docs))
    if sort == "relevance" and len(docs) > wanted > 0:
        # only documents scoring at least the wanted-th best can be among the first
        cut = np.partition(scores, len(scores) - wanted)[len(scores) - wanted]
        candidates = np.flatnonzero(scores >= cut)
    sorting: list[np.ndarray] = [docs[candidates]]
    if keys is not None:
        sorting.append(keys[candidates])
    sorting.append(-scores[candidates])
    if sort != "relevance":
        dated = months[candidates].astype(np.int64)
        undated = dated == UNDATED
        sorting += [-dated if sort == "newest" else dated, undated]
    order = np.lexsort(sorting)[:wanted]
    return candidates[order]
