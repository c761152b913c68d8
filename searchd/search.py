"""Query parsing, ranking, paging and snippets: one SearchResult shape for CLI and web."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property, partial
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from whoosh.reading import ReaderClosed
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from . import bodytext
from .accounts import accounts
from .bodytext import StoredText
from .cache import SizedLRU
from .config import Config
from .curation import Curation, fold_query, pinned
from .documents import MAX_TITLE_CHARS, Document, open_original
from .errors import DocumentNotFound
from .exact import holds_as_typed, ranked_groups, title_holds
from .explain import explain as explained
from .index import current_indexname, last_sync, open_index
from .missing import absent_notices, in_some_body, with_missing
from .neardup import Group
from .parts import DocumentView, count_parts, part_bound, part_of
from .query import budget
from .query.parsing import Synonyms, build_parser, check_query, load_synonyms
from .query.plan import Planning, QueryPlan, capped
from .query.request import SearchRequest
from .query.words import Planner, planner_of
from .ranked import Ranked, top_authors
from .ranking import rank
from .results import MAX_LISTED, Duplicate, Hit, SearchResult, sized
from .schema import AUTHOR, BODY, CHECKSUM, FORMAT, ID, MONTH, PACKED_BODY, TITLE
from .similar import similar
from .snippets import (
    MAX_WINDOWS,
    highlight_html,
    joined_spans,
    match_spans,
    segments_html,
    snippet_segments,
    vector_spans,
)
from .storage.phrases import GappedPhrase
from .suggest import LazyTables, complete, word_tables

T = TypeVar("T")
MAX_COMPLETE_CHARS = 100  # completions look at the end of the text typed
MAX_AUTHORS_SHOWN = 10  # authors counted in the facets
MORE_LIKE_CHARS = 20_000  # "more like this" picks its key terms from this much of the body


@dataclass(frozen=True)
class IndexView:
    """One opened state of the index: its searcher, and what plans queries over it."""

    name: str | None
    searcher: Searcher
    planning: Planning

    @property
    def analyzer(self) -> Any:
        """The analyzer the index was built with (from its schema)."""
        return self.searcher.schema[BODY].analyzer

    def plan(self, text: str) -> QueryPlan:
        """The plan of query text over this state of the index (query/plan.py)."""
        return self.planning.plan(text)

    @cached_property
    def state(self) -> tuple[str | None, int]:
        """What identifies the state of the index this view shows."""
        return self.name, self.searcher.reader().generation()

    @cached_property
    def _bodies(self) -> Any:
        """The column of packed bodies (its reader loads an offset table: made once)."""
        return self.searcher.reader().column_reader(PACKED_BODY, translate=False)

    def body(self, docnum: int) -> str | StoredText:
        """The body of a document (a long one is decompressed as it is read)."""
        return bodytext.unpack(self._bodies[docnum])


class Engine:
    """Searches one index; safe to share between threads (a Searcher per thread). close()
    (or garbage collection) closes every searcher it opened."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._local = threading.local()
        self.curation = Curation(config)
        self._curated: tuple[Any, Synonyms, dict[str, list[str]]] | None = None
        self.synonyms = self._curation()[1]
        open_index(config.index).close()  # fail early with NoIndexError
        self._open: set[Searcher] = set()
        self._open_lock = threading.Lock()
        self._results = SizedLRU(config.result_cache_mb * 2**20)
        self._finalizer = weakref.finalize(self, _close_all, self._open, self._open_lock)

    def close(self) -> None:
        """Close the searchers of every thread (the Engine must not be used afterwards)."""
        self._finalizer()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _curation(self) -> tuple[Any, Synonyms, dict[str, list[str]]]:
        """(version, synonyms, pins) of the curation files, read again when they changed
        (an edit on the admin page applies to the next search: curation.py)."""
        version = self.curation.version()
        known = self._curated
        if known is None or known[0] != version:
            found = self.curation.synonyms_file
            known = self._curated = (version, load_synonyms(found if found.exists()
                                                            else None), self.curation.pins())
            self.synonyms = known[1]
        return known

    def view(self) -> IndexView:
        """This thread's view of the index, reopened when the index (or the synonyms) has
        changed. A call takes one view and uses it throughout, so a reopen never pulls a
        searcher away from under a running search."""
        current: IndexView | None = getattr(self._local, "view", None)
        name = current_indexname(self.config.index)
        synonyms = self._curation()[1]
        if current is not None and current.name == name and current.searcher.up_to_date() \
                and current.planning.synonyms is synonyms:
            return current
        ix = open_index(self.config.index)
        weighting = BM25F(B=self.config.bm25_b, K1=self.config.bm25_k1)
        searcher = ix.searcher(weighting=weighting)
        # the schema of the table of contents the searcher read: ix.schema reads the newest
        # one again, which a commit may have replaced (and deleted) in between
        parser = build_parser(searcher.schema, self.config.title_boost, self.config.lead_boost)
        view = IndexView(name, searcher,
                         Planning(self._planner(searcher), parser, searcher, synonyms))
        with self._open_lock:
            self._open.add(view.searcher)
            if current is not None:
                self._open.discard(current.searcher)
                current.searcher.close()
        self._local.view = view
        return view

    def _planner(self, searcher: Searcher) -> Planner:
        """The planner of free-text queries over searcher's state of the index."""
        return planner_of(self.config, searcher.schema, LazyTables(searcher.reader()))

    def searcher(self) -> Searcher:
        """This thread's current searcher."""
        return self.view().searcher

    def request(self, text: str, **options: Any) -> SearchRequest:
        """The checked request of text and options (SearchRequest.make's), with this
        service's default and largest limit."""
        return SearchRequest.make(
            text, (self.config.default_limit, self.config.max_limit), **options)

    def search(self, text: str, **options: Any) -> SearchResult:
        """run() of the request of text and options (see SearchRequest.make)."""
        return self.run(self.request(text, **options))

    def run(self, request: SearchRequest) -> SearchResult:
        """Rank (or sort by date) the documents matching the request's text and return one
        page, with snippets and facet counts unless asked not to, near-duplicates grouped
        under the first of them unless collapse is off, and why each hit scored as it did
        when explain is on."""
        started = time.perf_counter()
        result = self._retrying(lambda view: self._cached(view, request))
        return replace(result, took_ms=round((time.perf_counter() - started) * 1000, 2))

    def _cached(self, view: IndexView, request: SearchRequest) -> SearchResult:
        """The result of a request on view: from the result cache, or searched and kept."""
        version, _, pins = self._curation()
        found = partial(budget.planned_within, view.planning, request.text,
                        partial(self._search, view, request=request))
        return self._results.get((view.state, version, request), lambda: sized(
            pinned(found(), pins.get(fold_query(request.text)),
                   lambda ids: self._pinned_hits(view, ids, request))))

    def _pinned_hits(self, view: IndexView, ids: list[str], request: SearchRequest) -> list[Hit]:
        """The hits (with snippets) of the documents pinned to the request's query."""
        plan = view.plan(request.text)
        terms = in_some_body(view.searcher, set(plan.highlight)) if request.snippets else None
        found = [view.searcher.document_number(id=i) for i in ids]
        return [hit_of(view, d, 0.0, terms, plan.joiners) for d in found if d is not None]

    def _search(self, view: IndexView, plan: QueryPlan,
                request: SearchRequest) -> SearchResult:
        """run() of a planned request on one view of the index (took_ms is left for run()
        to set)."""
        q, page, limit = plan.query, request.page, request.limit
        ranked, groups = self._grouped(view, plan, page * limit, request)
        count = ranked.total
        terms = in_some_body(view.searcher, set(plan.highlight)) if request.snippets else None
        shown = groups[(page - 1) * limit:page * limit]
        scores = dict(zip(ranked.docnums.tolist(), ranked.scores.tolist()))
        hits = [hit_of(view, g, scores[g.leader], terms, plan.joiners) for g in shown]
        if plan.names_missing:
            hits = with_missing(view.searcher, q, hits, [g.leader for g in shown])
        if request.explain:
            hits = [replace(h, explain=explained(view.searcher, q, g.leader))
                    for h, g in zip(hits, shown)]
        notices = capped([*plan.notices, *absent_notices(view.searcher, q)])
        return SearchResult(request.text, count, page, limit, 0.0, hits,
                            view.planning.suggestion(plan, count), notices, request.sort,
                            _facets(view, ranked) if request.facets else {})

    def _grouped(self, view: IndexView, plan: QueryPlan, wanted: int,
                 request: SearchRequest) -> tuple[Ranked, list[Group]]:
        """exact.ranked_groups of the plan on this view of the index."""
        phrases = list(plan.phrases) if request.sort == "relevance" else []
        return ranked_groups(
            lambda depth: rank(view.searcher, plan.query, depth, request.sort, request.months,
                               request.format_numbers, request.author_numbers),
            phrases, lambda _: partial(as_typed, view), wanted, request.collapse)

    def _retrying(self, action: Callable[[IndexView], T]) -> T:
        """action on this thread's view of the index; when the index changed while it ran
        (a merge deleted files the old searcher had not opened yet), once more on a new
        view."""
        view = self.view()
        try:
            return action(view)
        except (OSError, ReaderClosed):
            if view.name == current_indexname(self.config.index) and \
                    view.searcher.up_to_date():
                raise
            return action(self.view())

    def document(self, doc_id: str, text: str = "", part: int | None = None) -> DocumentView:
        """A stored document by id, with the matches of query text (if any) marked: part
        number `part` of it (PART_CHARS characters each; past the last, the last), or the
        whole body when part is None."""
        return self._retrying(lambda view: self._document(view, doc_id, text, part))

    def _document(self, view: IndexView, doc_id: str, text: str,
                  part: int | None) -> DocumentView:
        """document() on one view of the index."""
        fields = view.searcher.document(id=doc_id)
        if fields is None:
            raise DocumentNotFound(f"no document with id {doc_id!r}", id=doc_id)
        docnum = view.searcher.document_number(id=doc_id)
        stored = view.body(docnum)
        parts = 1 if part is None else count_parts(stored)
        shown = 1 if part is None else min(max(part, 1), parts)
        start, end = ((0, len(stored)) if part is None else
                      (part_bound(stored, shown - 1), part_bound(stored, shown)))
        doc = Document(fields[ID], fields.get(TITLE, ""), fields.get(MONTH),
                       stored[start:end], fields.get(CHECKSUM, ""),
                       fields.get(FORMAT, "txt"), fields.get(AUTHOR, ""))
        terms, joiners = self._highlighted_terms(view, text)
        spans = joined_spans(stored, vector_spans(view.searcher.reader(), docnum, BODY, terms),
                             joiners)
        inside = [(max(a, start) - start, min(b, end) - start) for a, b in spans
                  if a < end and b > start]
        first = None if not spans or part is None else part_of(stored, spans[0][0], parts)
        title_spans = joined_spans(doc.title, match_spans(doc.title, terms, view.analyzer),
                                   joiners)
        return DocumentView(doc, highlight_html(doc.body, inside, "m1" if first == shown or
                                                part is None else None),
                            highlight_html(doc.title, title_spans, anchor=None), len(spans),
                            similar(view, stored[:MORE_LIKE_CHARS], docnum, hit_of),
                            shown, parts, first)

    def _highlighted_terms(self, view: IndexView, text: str) -> tuple[set[str], frozenset[str]]:
        """The index terms of query text to mark in a document, and the words of its
        phrases (planning a query of patterns, phrases or operators takes the costly
        slot)."""
        if not text.strip():
            return set(), frozenset()
        text = check_query(text)
        with budget.limited():
            if view.planning.cheap(text):
                plan = view.plan(text)
            else:
                with budget.costly_slot():
                    plan = view.plan(text)
            return set(plan.highlight), plan.joiners

    def original(self, doc_id: str) -> BinaryIO:
        """The file an indexed document was read from, open for reading (DocumentNotFound
        for an id the index does not hold; SeedError or OSError for a file that is gone or
        not a regular file inside the seeds folder)."""
        if self.view().searcher.document_number(id=doc_id) is None:
            raise DocumentNotFound(f"no document with id {doc_id!r}", id=doc_id)
        return open_original(Path(self.config.seeds), doc_id)

    def complete(self, text: str, limit: int = 8) -> list[str]:
        """Words of the index that complete the last word of text, most frequent first."""
        tail = text[-MAX_COMPLETE_CHARS:]
        return self._retrying(lambda view: complete(word_tables(view.searcher.reader()),
                                                    tail, limit))

    def documents(self) -> int:
        """Documents in the index."""
        return int(self.searcher().doc_count())

    def files(self) -> dict[str, Any]:
        """The seeds folder's files by format and reason (accounts.py), without lists."""
        return accounts(Path(self.config.index)).to_dict(listed=False)

    def readiness(self) -> tuple[str, str]:
        """("ready", "") once the index opens (NoIndexError otherwise)."""
        self.searcher()
        return "ready", ""

    def stats(self) -> dict[str, Any]:
        """Facts about the index: documents, size on disk, last sync, analysis settings."""
        searcher, folder = self.searcher(), Path(self.config.index)
        size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
        return {"documents": searcher.doc_count(), "index": str(folder),
                "index_bytes": size, "terms_body": len(list(searcher.lexicon(BODY))),
                "stemmer": self.config.stemmer, "compounds": self.config.compounds,
                "indexname": current_indexname(folder), "last_sync": last_sync(folder),
                "config": str(self.config.source or ""), "files": accounts(folder).to_dict()}


def _facets(view: IndexView, ranked: Ranked) -> dict[str, dict[str, int]]:
    """Year, month and format of the matches, and their MAX_AUTHORS_SHOWN first authors."""
    found = ranked.facets()
    found["author"] = {view.searcher.stored_fields(doc).get(AUTHOR, ""): count
                       for _, count, doc in top_authors(ranked, MAX_AUTHORS_SHOWN)}
    return found


def _close_all(searchers: set[Searcher], lock: threading.Lock) -> None:
    """Close searchers (an Engine's finalizer: it must not refer to the Engine)."""
    with lock:
        for searcher in searchers:
            searcher.close()
        searchers.clear()


def as_typed(view: IndexView, docnum: int, phrase: GappedPhrase) -> bool:
    """True when a document holds phrase as typed (its stop words too), in its stored
    body or its title."""
    return holds_as_typed(view.searcher.reader(), view.body, view.analyzer, docnum,
                          phrase) or title_holds(
        view.analyzer, view.searcher.stored_fields(docnum).get(TITLE, ""), phrase)


def hit_of(view: IndexView, found: Group | int, score: float, terms: set[str] | None,
         joiners: frozenset[str] = frozenset()) -> Hit:
    """A Hit of a document (or a group's leader, with its near-duplicates) with a snippet
    cut from the stored body (none when terms is None)."""
    docnum = found if isinstance(found, int) else found.leader
    fields = view.searcher.stored_fields(docnum)
    snippet = ""
    if terms is not None:
        body = view.body(docnum)
        spans = vector_spans(view.searcher.reader(), docnum, BODY, terms,
                             first=MAX_WINDOWS) if len(body) else []
        snippet = segments_html(snippet_segments(body, joined_spans(body, spans, joiners)))
    title = fields.get(TITLE, "")[:MAX_TITLE_CHARS]  # (an index of an older searchd)
    members = () if isinstance(found, int) else found.members
    return Hit(fields[ID], title, fields.get(MONTH), round(float(score), 4), snippet,
               duplicate_count=len(members),
               duplicates=tuple(duplicate_of(view, d) for d in members[:MAX_LISTED]),
               format=fields.get(FORMAT, "txt"), author=fields.get(AUTHOR, ""))


def duplicate_of(view: IndexView, docnum: int) -> Duplicate:
    """The id, title and month of a near-duplicate."""
    fields = view.searcher.stored_fields(docnum)
    return Duplicate(fields[ID], fields.get(TITLE, "")[:MAX_TITLE_CHARS], fields.get(MONTH))


def search(config: Config, text: str, **options: Any) -> SearchResult:
    """Search config's index once (opens the index for this call)."""
    return Engine(config).search(text, **options)
