"""The statistics of BM25F scoring (documents, average field lengths, idf) of one index,
or summed over the shards of a cluster (Totals), and the Calibration that makes the head-only
scaling of compound matches (ranking._below) the same however the index is split into
segments or shards."""

from __future__ import annotations

from dataclasses import dataclass
from math import log
from typing import Any, Protocol

from whoosh import query as wq
from whoosh.searching import Searcher

from .segments import term_postings

HEAD_BELOW = 0.9  # the best head-only match of a compound at most this share of the least other


def leaves(searcher: Searcher) -> list[tuple[Searcher, int]]:
    """(segment searcher, first document number) of each segment (not Whoosh's empty
    reader)."""
    return [(sub, offset) for sub, offset in searcher.leaf_searchers()
            if sub.reader().segment() is not None]


class Statistics(Protocol):
    """The statistics scoring needs of the index (or the cluster) as a whole."""

    @property
    def documents(self) -> int: ...

    def average_length(self, field: str) -> float: ...

    def idf(self, field: str, btext: bytes) -> float: ...


class IndexStatistics:
    """The whole index's statistics that scoring needs, each computed once per ranking
    (Whoosh's searcher sums every segment again at each call, for every term and leaf):
    the documents, a field's average length, a term's idf."""

    def __init__(self, searcher: Searcher, segments: tuple[Any, ...]) -> None:
        self.searcher = searcher
        self.segments = segments  # the segment readers (for document frequencies)
        self.documents = searcher.doc_count_all()
        self._lengths: dict[str, float] = {}
        self._idfs: dict[tuple[str, bytes], float] = {}

    def average_length(self, field: str) -> float:
        """The field's average length in the index (1 when it has none)."""
        found = self._lengths.get(field)
        if found is None:
            found = self._lengths[field] = self.searcher.avg_field_length(field) or 1
        return found

    def idf(self, field: str, btext: bytes) -> float:
        """Whoosh's idf of a term (Weighting.idf: log(N / (df + 1)) + 1), its document
        frequency summed from the segments' posting arrays, which ranking reads (and
        caches) anyway, deleted documents included as Whoosh counts them, rather than from
        each segment's term index again."""
        found = self._idfs.get((field, btext))
        if found is None:
            found = self._idfs[field, btext] = log(
                self.documents / (self.frequency(field, btext) + 1)) + 1
        return found

    def frequency(self, field: str, btext: bytes) -> int:
        """Documents of the index holding a term (deleted ones included)."""
        return sum(len(term_postings(reader, field, btext)[0]) for reader in self.segments)


@dataclass(frozen=True)
class Totals:
    """What the statistics of scoring add up from, for one part of an index (a shard)
    or summed over all: documents (deleted ones included, as Whoosh counts them), each
    scored field's total length, and the document frequency of the terms asked for."""

    documents: int
    lengths: dict[str, int]
    frequencies: dict[tuple[str, bytes], int]

    def __add__(self, other: Totals) -> Totals:
        lengths, frequencies = dict(self.lengths), dict(self.frequencies)
        for field, length in other.lengths.items():
            lengths[field] = lengths.get(field, 0) + length
        for term, count in other.frequencies.items():
            frequencies[term] = frequencies.get(term, 0) + count
        return Totals(self.documents + other.documents, lengths, frequencies)

    def average_length(self, field: str) -> float:
        """The field's average length (Whoosh's: total / documents; 1 when none)."""
        return self.lengths.get(field, 0) / (self.documents or 1) or 1

    def idf(self, field: str, btext: bytes) -> float:
        """Whoosh's idf of a term over these documents."""
        return log(self.documents / (self.frequencies.get((field, btext), 0) + 1)) + 1


def totals(searcher: Searcher, q: wq.Query) -> Totals:
    """The Totals of this index for the terms of q (patterns expanded over this index:
    a term it lacks counts 0 here and the sum over all shards is right)."""
    segments = tuple(sub.reader() for sub, _ in leaves(searcher))
    statistics = IndexStatistics(searcher, segments)
    reader, schema = searcher.reader(), searcher.schema
    frequencies: dict[tuple[str, bytes], int] = {}
    for leaf in q.leaves():
        try:
            found = list(leaf.expanded_terms(reader, phrases=True))
        except Exception:  # (a leaf Whoosh cannot expand scores nothing)
            continue
        for field, text in found:
            if field not in schema or not schema[field].scorable:
                continue
            try:
                btext = text if isinstance(text, bytes) else schema[field].to_bytes(text)
            except ValueError:
                continue
            frequencies[field, btext] = statistics.frequency(field, btext)
    lengths = {name: int(searcher.field_length(name))
               for name, field in schema.items() if field.scorable}
    return Totals(searcher.doc_count_all(), lengths, frequencies)


class Calibration:
    """The factors of a ranking's _below calls, in the order it makes them, agreed over
    all parts of the index (segments; on a cluster, shards): each scales the head-only
    matches of a compound below the least match of the rest, over the whole index, so
    that how the index is split never changes a score. Alone (one segment), a call
    computes its factor from the segment itself. Otherwise the first call without a
    factor notes its part's (highest lower, least upper) in pending, and the ranking is
    made again with the factor agreed from every part's (rank())."""

    def __init__(self, factors: tuple[float, ...] = (), alone: bool = False) -> None:
        self.factors, self.alone = factors, alone
        self.calls = 0
        self.pending: tuple[float | None, float | None] | None = None


def agreed(pendings: list[tuple[float | None, float | None]]) -> float:
    """The factor of a _below call from every part's (highest lower, least upper)."""
    tops = [top for top, _ in pendings if top is not None]
    leasts = [least for _, least in pendings if least is not None]
    if not tops or not leasts:
        return 1.0
    top, least = max(tops), min(leasts)
    return HEAD_BELOW * least / top if top >= least > 0 else 1.0


def joined(pendings: list[tuple[float | None, float | None]]
           ) -> tuple[float | None, float | None]:
    """One (highest lower, least upper) of several parts' (a shard's segments')."""
    tops = [top for top, _ in pendings if top is not None]
    leasts = [least for _, least in pendings if least is not None]
    return (max(tops) if tops else None, min(leasts) if leasts else None)


class scored_by:
    """Whoosh's scorers (phrases and other rare queries, _by_matcher) take idf and average
    lengths from the top searcher: while ranking on a shard, the cluster's."""

    def __init__(self, searcher: Searcher, statistics: Totals | None) -> None:
        self.searcher, self.statistics = searcher, statistics

    def __enter__(self) -> None:
        if self.statistics is not None:
            stats = self.statistics
            self.searcher.idf = lambda field, text: stats.idf(
                field, text if isinstance(text, bytes) else
                self.searcher.schema[field].to_bytes(text))
            self.searcher.avg_field_length = (
                lambda field, default=None: stats.average_length(field))

    def __exit__(self, *exc: object) -> None:
        if self.statistics is not None:
            del self.searcher.idf, self.searcher.avg_field_length
