"""A shard copy's server: the Dask actor that holds a searchd Engine over one worker's copy
of one shard, and answers the coordinator's questions about it. Every answer is about one
state of the copy (its index name and generation), which the coordinator passes back with
the questions that follow: a copy changed in between (a sync, a repair) answers ShardChanged
and the search is made again, never mixed from two states."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from whoosh import query as wq

from ..config import Config
from ..errors import SearchdError
from ..explain import explain
from ..missing import absent_notices, in_some_body, with_missing
from ..query import budget
from ..ranked import Filters
from ..ranking import rank
from ..results import Duplicate, Hit
from ..schema import AUTHOR
from ..search import Engine, IndexView, as_typed, duplicate_of, hit_of
from ..statistics import Totals, scored_by, totals
from ..storage.phrases import GappedPhrase
from ..suggest import WordTable, word_tables
from .copies import copy_config
from .merging import ShardRanked

# what a copy holds: its generation and its segments (copies made by snapshot hold the
# same segments, and the same document numbers, under another index name)
State = tuple[int, tuple[str, ...]]


class ShardChanged(SearchdError):
    """The copy is not in the state a search began on (it was synced or replaced)."""


def identity(view: IndexView) -> State:
    """The State of a view of a copy."""
    reader = view.searcher.reader()
    return reader.generation(), tuple(  # (a segment's id without its index's name)
        segment.segment().segment_id().rsplit("_", 1)[-1]
        for segment, _ in reader.leaf_readers() if segment.segment() is not None)


class ShardServer:
    """One copy of one shard, served (a Dask actor: its methods run one at a time on the
    worker holding the copy)."""

    def __init__(self, config: Config, worker: str, shard: int) -> None:
        self.config = copy_config(config, worker, shard)
        self.shard = shard
        self._engine: Engine | None = None

    def _view(self, state: State | None = None) -> IndexView:
        if self._engine is None:
            self._engine = Engine(replace(self.config, result_cache_mb=0))
        view = self._engine.view()
        if state is not None and identity(view) != state:
            raise ShardChanged(f"shard {self.shard} changed during the search")
        return view

    def close(self) -> None:
        """Close the copy's searchers (before it is replaced or removed)."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def state(self) -> State:
        """The state of the copy (State)."""
        return identity(self._view())

    def tables(self) -> tuple[State, list[WordTable]]:
        """The word tables of the copy's segments (spelling, completion, compounds)."""
        view = self._view()
        return identity(view), word_tables(view.searcher.reader())

    def totals(self, q: wq.Query) -> tuple[State, Totals, list[str]]:
        """The copy's part of the statistics of q's terms, and the notices of q's words
        it holds no document of."""
        view = self._view()
        with budget.limited():
            return identity(view), totals(view.searcher, q), absent_notices(view.searcher, q)

    def rank(self, state: State, q: wq.Query, wanted: int, sort: str, filters: Filters,
             statistics: Totals, factors: tuple[float, ...], whole: bool) -> ShardRanked:
        """The copy's ranking of q with the cluster's statistics (ShardRanked)."""
        view = self._view(state)
        with budget.limited():
            ranked = rank(view.searcher, q, wanted, sort, filters.months, filters.formats,
                          filters.authors, statistics, factors)
        return ShardRanked.of(ranked, whole)

    def holding(self, state: State, docnums: list[int],
                phrases: list[GappedPhrase]) -> list[int]:
        """Those of docnums that hold every phrase as typed (stop words too), in the body
        or the title."""
        view = self._view(state)
        with budget.limited():
            return [d for d in docnums if all(as_typed(view, d, p) for p in phrases)]

    def hits(self, state: State, docnums: list[int], scores: list[float],
             terms: set[str] | None, joiners: frozenset[str], q: wq.Query,
             names_missing: bool, explained: Totals | None) -> list[Hit]:
        """The hits of docnums (snippets of terms when given; the words of q each lacks
        when names_missing; why each scored as it did with the cluster's statistics when
        explained is given)."""
        view = self._view(state)
        with budget.limited():
            shown = None if terms is None else in_some_body(view.searcher, terms)
            hits = [hit_of(view, d, s, shown, joiners) for d, s in zip(docnums, scores)]
            if names_missing:
                hits = with_missing(view.searcher, q, hits, docnums)
            if explained is not None:
                with scored_by(view.searcher, explained):
                    hits = [replace(h, explain=explain(view.searcher, q, d, explained))
                            for h, d in zip(hits, docnums)]
        return hits

    def page(self, state: State, docnums: list[int], scores: list[float],
             terms: set[str] | None, joiners: frozenset[str], q: wq.Query,
             names_missing: bool, explained: Totals | None, duplicates: list[int],
             writers: list[int]) -> tuple[list[Hit], list[Duplicate], list[str]]:
        """What a page needs of this copy at once: hits(), briefs() of the near-duplicates
        and authors() of the facet's documents."""
        return (self.hits(state, docnums, scores, terms, joiners, q, names_missing,
                          explained),
                self.briefs(state, duplicates), self.authors(state, writers))

    def briefs(self, state: State, docnums: list[int]) -> list[Duplicate]:
        """The id, title and month of each of docnums (near-duplicates of a hit)."""
        view = self._view(state)
        return [duplicate_of(view, d) for d in docnums]

    def authors(self, state: State, docnums: list[int]) -> list[str]:
        """The author of each of docnums as its metadata names it."""
        view = self._view(state)
        return [view.searcher.stored_fields(d).get(AUTHOR, "") for d in docnums]

    def doc_frequency(self, field: str, btext: bytes) -> int:
        """Documents of the copy holding a term."""
        return int(self._view().searcher.reader().doc_frequency(field, btext))

    def frequency(self, field: str, btext: bytes) -> int:
        """Occurrences of a term in the copy."""
        return int(self._view().searcher.reader().frequency(field, btext))

    def terms_page(self, field: str, prefix: bytes, after: bytes | None,
                   size: int) -> list[bytes]:
        """At most size terms of field starting with prefix, after `after`, in order."""
        reader = self._view().searcher.reader()
        found: list[bytes] = []
        start = prefix if after is None else max(prefix, after + b"\x00")
        with budget.limited():
            for name, term in reader.terms_from(field, start):
                if name != field or not term.startswith(prefix):
                    break
                found.append(term)
                if len(found) >= size:
                    break
                if len(found) % 1024 == 0:
                    budget.check()
        return found

    def terms_within(self, field: str, text: str, maxdist: int, prefix: int) -> list[bytes]:
        """The copy's terms within maxdist edits of text."""
        reader = self._view().searcher.reader()
        with budget.limited():
            return list(reader.terms_within(field, text, maxdist, prefix=prefix))

    def call(self, method: str, *args: Any) -> Any:
        """One of the copy's Engine's methods (document, stats, original's path)."""
        if method not in ("document", "stats", "documents", "files"):
            raise SearchdError(f"no shard method {method!r}")
        self._view()
        assert self._engine is not None
        return getattr(self._engine, method)(*args)
