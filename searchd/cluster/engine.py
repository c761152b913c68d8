"""Searching a cluster: the same SearchResult as one index on the same documents.

A query is planned once, here, over every shard's words (lexicon.py). The shards then give
the statistics of the plan's terms (document counts, field lengths, document frequencies),
which are added up; every shard ranks its documents with those totals, so each score is the
score one index gives; a compound's head-only matches are scaled by factors agreed over all
shards (statistics.Calibration), a round each; the merge orders the shards' first hits as one
index orders its matches, groups near-duplicates over all matches and counts the facets; the
shards that hold the page's hits cut their snippets. A copy lost mid-question is asked again
on another copy of its shard (placement.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from ..cache import SizedLRU
from ..config import Config
from ..errors import DocumentNotFound
from ..exact import ranked_groups
from ..neardup import Group
from ..parts import DocumentView
from ..query import budget
from ..query.parsing import build_parser, load_synonyms
from ..query.plan import Planning, QueryPlan, capped
from ..query.request import SearchRequest
from ..query.words import planner_of
from ..ranked import Filters, Ranked, top_authors
from ..results import MAX_LISTED, Hit, SearchResult, sized
from ..schema import ID, build_schema
from ..search import MAX_AUTHORS_SHOWN, MAX_COMPLETE_CHARS
from ..statistics import Totals, agreed
from ..suggest import LazyTables, complete
from .lexicon import ClusterReader, PlanningSearcher
from .merging import SPAN, ShardRanked, merged, shard_and_local
from .placement import Cluster, ClusterError
from .routing import shard_of
from .shard import ShardChanged

States = tuple[Any, ...]
STATE_SECONDS = 1.0  # how long the shards' states are taken as known between searches
ATTEMPTS = 3         # searches made again when a shard changed in the middle of one


class ClusterEngine:
    """Searches the shards of a cluster; Engine's methods, for the CLI and the web."""

    def __init__(self, config: Config, cluster: Cluster | None = None) -> None:
        self.config = config
        self.cluster = cluster if cluster is not None else Cluster(config)
        self.synonyms = load_synonyms(config.synonyms)
        self.schema = build_schema(config.stemmer, config.compounds)
        self._parser = build_parser(self.schema, config.title_boost, config.lead_boost)
        self._results = SizedLRU(config.result_cache_mb * 2**20)
        self._lock = threading.Lock()
        self._known: tuple[float, States, Planning, int] | None = None

    def close(self) -> None:
        self.cluster.close()

    def __enter__(self) -> ClusterEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, text: str, **options: Any) -> SearchRequest:
        return SearchRequest.make(
            text, (self.config.default_limit, self.config.max_limit), **options)

    def search(self, text: str, **options: Any) -> SearchResult:
        return self.run(self.request(text, **options))

    def run(self, request: SearchRequest) -> SearchResult:
        """The request's result over all shards (Engine.run's)."""
        started = time.perf_counter()
        for _ in range(ATTEMPTS):
            states, planning, _ = self._current()
            try:
                result = self._results.get((states, request), partial(
                    self._sized, states, planning, request))
            except ShardChanged:  # a copy synced or made since: ask the workers again
                self._known = None
                self.cluster.refresh()  # (only the newest copies of a shard serve)
                continue
            return replace(result, took_ms=round((time.perf_counter() - started) * 1000, 2))
        raise ClusterError("the shards changed during every attempt of this search; try "
                           "again")

    def _current(self) -> tuple[States, Planning, int]:
        """The shards' states and what plans queries over them (their word tables read
        again when a state changed), at most STATE_SECONDS old."""
        with self._lock:
            known = self._known
            if known is not None and time.monotonic() - known[0] < STATE_SECONDS:
                return known[1], known[2], known[3]
            states = tuple(self.cluster.ask_all("state"))
            if known is not None and known[1] == states:
                self._known = (time.monotonic(), *known[1:])
                return known[1], known[2], known[3]
            answers = self.cluster.ask_all("tables")
            tables = [t for _, shard_tables in answers for t in shard_tables]
            documents = sum(self.cluster.ask_all("call", "documents"))
            reader = ClusterReader(self.schema, tables, documents, len(answers),
                                   self._ask_lexicon)
            searcher = PlanningSearcher(reader)
            planner = planner_of(self.config, self.schema, LazyTables(reader))
            planning = Planning(planner, self._parser, searcher, self.synonyms)
            self._known = (time.monotonic(), tuple(s for s, _ in answers), planning, documents)
            return self._known[1], planning, documents

    def _ask_lexicon(self, method: str, *args: Any, shard: int | None = None) -> list[Any]:
        if shard is not None:
            return [self.cluster.ask(shard, method, *args)]
        return self.cluster.ask_all(method, *args)

    def _sized(self, states: States, planning: Planning,
               request: SearchRequest) -> tuple[SearchResult, int]:
        """The request's result within one search's budget, and its size to cache."""
        return sized(budget.planned_within(planning, request.text, partial(
            self._search, states, planning, request=request)))

    def _search(self, states: States, planning: Planning, plan: QueryPlan,
                request: SearchRequest) -> SearchResult:
        parts = self.cluster.ask_all("totals", plan.query)
        if tuple(state for state, _, _ in parts) != states:
            raise ShardChanged("a shard changed since the search began")
        statistics = sum((t for _, t, _ in parts[1:]), parts[0][1])
        absent = [n for n in parts[0][2] if all(n in other for _, _, other in parts[1:])]
        page, limit = request.page, request.limit
        ranked, groups = self._grouped(states, statistics, plan, page * limit, request)
        shown = groups[(page - 1) * limit:page * limit]
        hits, authors = self._page(states, statistics, plan, shown, ranked, request)
        notices = capped([*plan.notices, *absent])  # (words no shard holds)
        return SearchResult(request.text, ranked.total, page, limit, 0.0, hits,
                            planning.suggestion(plan, ranked.total), notices, request.sort,
                            {**ranked.facets(), "author": authors} if request.facets else {})

    def _grouped(self, states: States, statistics: Totals, plan: QueryPlan, wanted: int,
                 request: SearchRequest) -> tuple[Ranked, list[Group]]:
        """exact.ranked_groups over the shards (every match's arrays when grouped or
        counted in facets; which documents hold the phrases as typed, asked of their
        shards)."""
        phrases = list(plan.phrases) if request.sort == "relevance" else []
        return ranked_groups(
            lambda depth: self._rank(states, statistics, plan, depth, request,
                                     whole=request.collapse or request.facets),
            phrases, lambda ranked: partial(_held, self._holding(
                states, ranked.docnums.tolist(), phrases)),
            wanted, request.collapse)

    def _rank(self, states: States, statistics: Totals, plan: QueryPlan, depth: int,
              request: SearchRequest, whole: bool) -> Ranked:
        """Every shard's ranking merged, Calibration factors agreed a round at a time."""
        filters = Filters(request.months, request.format_numbers, request.author_numbers)
        factors: tuple[float, ...] = ()
        while True:
            parts: list[ShardRanked] = self.cluster.ask_each("rank", [
                (state, plan.query, depth, request.sort, filters, statistics, factors, whole)
                for state in states])
            pendings = [p.pending for p in parts if p.pending is not None]
            if not pendings:
                return merged(parts, request.sort, depth)
            factors += (agreed(pendings),)

    def _by_shard(self, docnums: list[int]) -> dict[int, list[int]]:
        """{shard: positions in docnums of its documents}."""
        found: dict[int, list[int]] = {}
        for position, docnum in enumerate(docnums):
            found.setdefault(shard_and_local(docnum)[0], []).append(position)
        return found

    def _holding(self, states: States, docnums: list[int], phrases: list[Any]) -> set[int]:
        """Those of docnums that hold every phrase as typed."""
        held: set[int] = set()
        for shard, places in self._by_shard(docnums).items():
            local = {shard_and_local(docnums[p])[1]: docnums[p] for p in places}
            found = self.cluster.ask(shard, "holding", states[shard], list(local), phrases)
            held.update(local[d] for d in found)
        return held

    def _page(self, states: States, statistics: Totals, plan: QueryPlan,
              shown: list[Group], ranked: Ranked,
              request: SearchRequest) -> tuple[list[Hit], dict[str, int]]:
        """The page's hits with their near-duplicates, and the author facet: one question
        to each shard that holds any of them, all at once (its hits cut by the shard that
        holds them)."""
        scores = dict(zip(ranked.docnums.tolist(), ranked.scores.tolist()))
        leaders = [g.leader for g in shown]
        members = [d for g in shown for d in g.members[:MAX_LISTED]]
        top = top_authors(ranked, MAX_AUTHORS_SHOWN) if request.facets else []
        writers = [doc for _, _, doc in top]
        asked: dict[int, tuple[list[int], list[int], list[int]]] = {}
        for kind, docs in enumerate((leaders, members, writers)):
            for docnum in docs:
                shard, local = shard_and_local(docnum)
                asked.setdefault(shard, ([], [], []))[kind].append(local)
        shards = sorted(asked)
        answers = self.cluster.ask_some("page", {n: (
            states[n], asked[n][0], [scores[d * SPAN + n] for d in asked[n][0]],
            set(plan.highlight) if request.snippets else None, plan.joiners, plan.query,
            plan.names_missing, statistics if request.explain else None, asked[n][1],
            asked[n][2]) for n in shards})
        found: dict[tuple[int, int], Any] = {}
        for n in shards:
            for kind, values in enumerate(answers[n]):
                found.update({(kind, asked[n][kind][i] * SPAN + n): v
                              for i, v in enumerate(values)})
        hits = [replace(found[0, g.leader], duplicate_count=len(g.members),
                        duplicates=tuple(found[1, d] for d in g.members[:MAX_LISTED]))
                if g.members else found[0, g.leader] for g in shown]
        return hits, {found[2, doc]: count for _, count, doc in top}

    def document(self, doc_id: str, text: str = "", part: int | None = None) -> DocumentView:
        """A stored document by id from its shard (Engine.document; its similar documents
        are those of its shard)."""
        shard = shard_of(doc_id, self.config.cluster_shards)
        return self.cluster.ask(shard, "call", "document", doc_id, text, part)

    def original(self, doc_id: str) -> BinaryIO:
        """The file a document was read from (the coordinator reads the seeds too)."""
        from ..documents import open_original

        shard = shard_of(doc_id, self.config.cluster_shards)
        if not self.cluster.ask(shard, "doc_frequency", ID, doc_id.encode("utf-8")):
            raise DocumentNotFound(f"no document with id {doc_id!r}", id=doc_id)
        return open_original(Path(self.config.seeds), doc_id)

    def complete(self, text: str, limit: int = 8) -> list[str]:
        """Words of the cluster that complete the last word of text."""
        _, planning, _ = self._current()
        tables = planning.searcher.reader().word_tables()
        return complete(tables, text[-MAX_COMPLETE_CHARS:], limit)

    def documents(self) -> int:
        """Documents in the cluster."""
        return self._current()[2]

    def files(self) -> dict[str, Any]:
        """The seeds folder's files by format and reason, added up over the shards."""
        return _added_files(self.cluster.ask_all("call", "files"))

    def readiness(self) -> tuple[str, str]:
        """("ready" | "degraded" | "not ready", why)."""
        return self.cluster.readiness()

    def stats(self) -> dict[str, Any]:
        """Facts about the cluster's index (Engine.stats, added up over the shards)."""
        each = self.cluster.ask_all("call", "stats")
        return {"documents": sum(s["documents"] for s in each), "index": "cluster",
                "index_bytes": sum(s["index_bytes"] for s in each),
                "terms_body": max((s["terms_body"] for s in each), default=0),
                "stemmer": self.config.stemmer, "indexname": None,
                "files": _added_files([s["files"] for s in each]),
                "cluster": self.cluster.status()}


def _held(held: set[int], docnum: int, phrase: Any) -> bool:
    return docnum in held


def _added_files(accounts: list[dict[str, Any]]) -> dict[str, Any]:
    """The shards' file accounts (accounts.py's to_dict) added up, key by key."""
    total: dict[str, Any] = {}
    for account in accounts:
        for key, value in account.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
            elif isinstance(value, dict):
                total[key] = _added_files([total.get(key, {}), value])
            elif isinstance(value, list):
                total[key] = [*total.get(key, []), *value]
            else:
                total.setdefault(key, value)
    return total

