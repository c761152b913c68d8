"""Ranking: which documents match a query, their BM25F scores, their order and their facet
counts, computed over whole posting lists at once with numpy.

Whoosh scores one matching document at a time through a tree of Python matchers: a common
word of a corpus of laws costs tens of thousands of Python calls. Here a term's postings are
read into arrays (its whole posting list in one read; kept per segment in a bounded cache),
scored in one vector expression with Whoosh's own BM25F statistics, and combined by the
query's AND/OR/NOT as array operations. Phrases and other rare query types are scored by
Whoosh's matcher for that part of the query only, so every query gets the scores Whoosh
would give it.

Postings and per-document columns are read through storage/; tests compare every result
with Whoosh's own search.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from . import storage
from .query import budget
from .query.clause import WordClause, WordsQuery
from .ranked import Filters, Ranked, order
from .segments import SegmentTables, tables, term_postings
from .statistics import (
    Calibration,
    IndexStatistics,
    Statistics,
    Totals,
    agreed,
    joined,
    leaves,
    scored_by,
)


@dataclass(frozen=True)
class Matches:
    """The documents of one segment a query matches (mask) and their scores (0 elsewhere)."""

    mask: np.ndarray
    scores: np.ndarray

    @classmethod
    def none(cls, size: int) -> Matches:
        """No document matches."""
        return cls(np.zeros(size, dtype=bool), np.zeros(size, dtype=np.float64))


@dataclass(frozen=True)
class Leaf:
    """One segment being searched: its searcher, the top searcher, the index's statistics
    and the segment's tables."""

    searcher: Searcher
    parent: Searcher
    tables: SegmentTables
    weighting: BM25F
    statistics: Statistics
    calibration: Calibration = field(default_factory=lambda: Calibration(alone=True))

    @property
    def size(self) -> int:
        """Documents in the segment (deleted ones included)."""
        return self.tables.size


def evaluate(q: wq.Query, leaf: Leaf) -> Matches:
    """The matches of q in one segment, scored as Whoosh scores them."""
    budget.check()
    if isinstance(q, type(wq.NullQuery)):
        return Matches.none(leaf.size)
    if isinstance(q, wq.Term):
        return _term(q, leaf)
    if isinstance(q, WordsQuery):
        return _words(q, leaf)
    # exactly And and Or: subclasses (Ordered, ...) add conditions of their own
    if type(q) in (wq.And, wq.Or) and not getattr(q, "scale", None) \
            and not getattr(q, "minmatch", 0):
        subs = q.subqueries
        if not subs:
            return Matches.none(leaf.size)
        if len(subs) == 1:  # Whoosh drops the boost of a one-clause group
            return evaluate(subs[0], leaf)
        if isinstance(q, wq.Or) and all(type(s) is wq.Term for s in subs):
            union = _terms_union(subs, leaf)  # the common query: words over the fields
            if union is not None:
                return _boosted(union, q.boost)
        parts = [evaluate(s, leaf) for s in subs]
        return _boosted(_union(parts) if isinstance(q, wq.Or) else _intersection(parts),
                        q.boost)
    if isinstance(q, wq.AndNot):
        positive, negative = evaluate(q.a, leaf), evaluate(q.b, leaf)
        mask = positive.mask & ~negative.mask
        return Matches(mask, positive.scores * mask)
    if isinstance(q, wq.AndMaybe):
        required, optional = evaluate(q.a, leaf), evaluate(q.b, leaf)
        return Matches(required.mask, required.scores + optional.scores * required.mask)
    if isinstance(q, wq.Require):
        scored, required = evaluate(q.a, leaf), evaluate(q.b, leaf)
        mask = scored.mask & required.mask
        return Matches(mask, scored.scores * mask)
    return _by_matcher(q, leaf)


def _words(q: WordsQuery, leaf: Leaf) -> Matches:
    """A free-text query: the sum of its clauses' scores, times the share of its words a
    document matches (to a power: a document with all the words ranks first; a word
    matched by one part of it counts half)."""
    n = len(q.clauses)
    total = np.zeros(leaf.size, dtype=np.float64)
    matched = np.zeros(leaf.size, dtype=np.float64)
    for clause in q.clauses:
        share, scores = clause_scores(clause, leaf, q.weights)
        total += scores
        matched += share
    mask = matched > 0
    coord = (matched / max(n, 1)) ** q.weights.coordination
    return _boosted(Matches(mask, total * coord * mask), q.boost)


def clause_scores(clause: WordClause, leaf: Leaf, weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """How much of the clause each document matches (1: the word, a near spelling or all
    parts of a compound; weights.part_match: one part of it) and its scores."""
    own = dense(clause.own, leaf)
    share, scores = own.mask.astype(np.float64), own.scores.copy()
    if clause.inside:
        inside = dense(clause.inside, leaf)
        scores += weights.inside * inside.scores
        share = np.maximum(share, inside.mask * weights.inside_match)
    if clause.derived:
        derived = dense(clause.derived, leaf)
        scores += weights.derived * derived.scores
        share = np.maximum(share, derived.mask)
    if clause.parts:
        alone = [dense(word, leaf) for word, _ in clause.parts]
        within = [dense(part_of, leaf) for _, part_of in clause.parts]
        parts = [Matches(w.mask | i.mask, w.scores + i.scores) for w, i in zip(alone, within)]
        together = np.logical_and.reduce([p.mask for p in parts])
        # every part as a word of its own (kinderopvang and toeslag) matches the compound
        # whole; some of them only inside other compounds (kinderopvang, huurtoeslag) less
        as_words = np.logical_and.reduce([w.mask for w in alone])
        # one part alone: the head only inside a compound (bouwwerf for zeppelinwerf), not
        # as a word that may mean something else (werven: to recruit); the parts before it
        # name the topic (kinderopvang for kinderopvangtoeslag), as words of their own too
        some = np.logical_or.reduce([p.mask for p in within] + [w.mask for w in alone[:-1]])
        summed = np.sum([p.scores for p in parts], axis=0)
        scores += summed * np.where(together, weights.parts, weights.part)
        # documents with every part first; among the others a head alone (toeslag, beleid,
        # dienst), which is common, never outranks a part that names the topic
        # (kinderopvang), however short the document holding it
        named = np.logical_or.reduce([p.mask for p in parts[:-1]])
        _below(scores, parts[-1].mask & ~named, named & ~together, leaf.calibration)
        _below(scores, (named | parts[-1].mask) & ~together & ~own.mask, together | own.mask,
               leaf.calibration)
        share = np.maximum(share, np.where(
            as_words, 1.0, np.where(together, weights.parts_inside_match,
                                    some * weights.part_match)))
    if clause.written_parts:
        # the compound itself, or its parts as written in it, before other forms of them
        written = np.logical_and.reduce([dense((t,), leaf).mask for t in clause.written_parts])
        scores *= np.where(written | own.mask, weights.written_parts, 1.0)
    if clause.typos:
        near = [clause_scores(t, leaf, weights) for t in clause.typos]
        scores += weights.typo * np.max([s for _, s in near], axis=0)
        share = np.maximum(share, np.max([m for m, _ in near], axis=0))
    return share, scores


def _below(scores: np.ndarray, lower: np.ndarray, upper: np.ndarray,
           calibration: Calibration) -> None:
    """Scale the scores of the documents of lower (in place) to below the least of those
    of upper over the whole index, when they reach it (Calibration)."""
    call = calibration.calls
    calibration.calls += 1
    if call < len(calibration.factors):
        factor = calibration.factors[call]
    elif calibration.alone:
        factor = agreed([(float(scores[lower].max()) if lower.any() else None,
                          float(scores[upper].min()) if upper.any() else None)])
    else:
        if calibration.pending is None and call == len(calibration.factors):
            calibration.pending = (float(scores[lower].max()) if lower.any() else None,
                                   float(scores[upper].min()) if upper.any() else None)
        return
    if factor != 1.0:
        scores[lower] *= factor


def dense(terms: tuple[wq.Term, ...], leaf: Leaf) -> Matches:
    """The matches of an Or of terms."""
    if not terms:
        return Matches.none(leaf.size)
    found = _terms_union(list(terms), leaf)
    return found if found is not None else evaluate(wq.Or(list(terms)), leaf)


def _union(parts: list[Matches]) -> Matches:
    """Documents matching any part, scored by the sum of the parts."""
    mask, scores = parts[0].mask.copy(), parts[0].scores.copy()
    for part in parts[1:]:
        mask |= part.mask
        scores += part.scores
    return Matches(mask, scores)


def _intersection(parts: list[Matches]) -> Matches:
    """Documents matching every part, scored by the sum of the parts."""
    mask, scores = parts[0].mask.copy(), parts[0].scores.copy()
    for part in parts[1:]:
        mask &= part.mask
        scores += part.scores
    return Matches(mask, scores * mask)


def _boosted(matches: Matches, boost: float) -> Matches:
    """matches with scores times boost."""
    return matches if boost == 1.0 else Matches(matches.mask, matches.scores * boost)


def _term(q: wq.Term, leaf: Leaf) -> Matches:
    """A term's documents with their BM25F scores (Whoosh's formula and statistics)."""
    found = _term_scores(q, leaf)
    if found is None:
        return _by_matcher(q, leaf)
    ids, term_scores = found
    matches = Matches.none(leaf.size)
    matches.mask[ids] = True
    matches.scores[ids] = term_scores
    return matches


def _terms_union(terms: list[wq.Term], leaf: Leaf) -> Matches | None:
    """Documents matching any of terms, scored by the sum of their scores, from all their
    postings at once (the sums are added in the terms' order, as _union adds them); None
    when a term needs Whoosh's matcher."""
    found = [_term_scores(t, leaf) for t in terms]
    if any(f is None for f in found):
        return None
    ids = np.concatenate([f[0] for f in found if f is not None])
    scores = np.concatenate([f[1] for f in found if f is not None])
    if not len(ids):  # (bincount would count in integers)
        return Matches.none(leaf.size)
    mask = np.zeros(leaf.size, dtype=bool)
    mask[ids] = True
    return Matches(mask, np.bincount(ids, weights=scores, minlength=leaf.size))


_NO_SCORES = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64))


def _term_scores(q: wq.Term, leaf: Leaf) -> tuple[np.ndarray, np.ndarray] | None:
    """The document numbers of a term's postings and their BM25F scores; None for a
    field that is not scored (Whoosh's matcher then scores it)."""
    schema = leaf.searcher.schema
    if q.fieldname not in schema:
        return _NO_SCORES
    field = schema[q.fieldname]
    try:
        btext = field.to_bytes(q.text)
    except ValueError:
        return _NO_SCORES
    if not field.scorable:
        return None
    ids, tfs = term_postings(leaf.searcher.reader(), q.fieldname, btext)
    if not len(ids):
        return _NO_SCORES
    k1, b = storage.bm25f_parameters(leaf.weighting, q.fieldname)
    idf = leaf.statistics.idf(q.fieldname, btext)
    avgfl = leaf.statistics.average_length(q.fieldname)
    tf = tfs.astype(np.float64)
    norm = _norms(k1, b, avgfl)[leaf.tables.length_bytes(q.fieldname, ids)]
    term_scores = idf * ((tf * (k1 + 1)) / (tf + norm))
    if q.boost != 1.0:
        term_scores = term_scores * q.boost
    return ids, term_scores


@lru_cache(maxsize=256)
def _norms(k1: float, b: float, avgfl: float) -> np.ndarray:
    """BM25's length normalisation for each of the 256 length bytes (one array per field
    and index state, not per term)."""
    norms = k1 * ((1 - b) + b * storage.LENGTHS / avgfl)
    norms.flags.writeable = False
    return norms


def _by_matcher(q: wq.Query, leaf: Leaf) -> Matches:
    """q's matches in the segment from Whoosh's own matcher (phrases, ranges, ...)."""
    matcher = q.matcher(leaf.searcher, leaf.parent.context())
    pairs = storage.each_posting(matcher, lambda m: (m.id(), m.score()), budget.check)
    matches = Matches.none(leaf.size)
    if pairs:
        ids = np.array([p[0] for p in pairs], dtype=np.int64)
        matches.mask[ids] = True
        matches.scores[ids] = [p[1] for p in pairs]
    return matches


def leaf_of(searcher: Searcher, docnum: int,
            statistics: Statistics | None = None) -> tuple[Leaf, int]:
    """The segment holding a document (as ranking scores it, with the whole index's
    statistics or the cluster's) and its number there. (Its Calibration is the segment's
    own: an explanation of a compound's head-only match may differ from its ranking in the
    last digits on an index of several segments.)"""
    segments = leaves(searcher)
    if statistics is None:
        statistics = IndexStatistics(searcher, tuple(sub.reader() for sub, _ in segments))
    calibration = Calibration(alone=True)
    for sub, offset in segments:
        if offset <= docnum < offset + sub.reader().doc_count_all():
            return (Leaf(sub, searcher, tables(sub.reader()), searcher.weighting, statistics,
                         calibration), docnum - offset)
    raise IndexError(f"no document number {docnum}")


def rank(searcher: Searcher, q: wq.Query, wanted: int, sort: str = "relevance",
         months: tuple[int | None, int | None] = (None, None),
         formats: tuple[int, ...] = (), authors: tuple[int, ...] = (),
         statistics: Totals | None = None, factors: tuple[float, ...] | None = None
         ) -> Ranked:
    """The matches of q in the index, the first `wanted` of them in order: by score
    (relevance) or by month (newest, oldest; undated documents last, then by score), ties
    by order key (schema.order_key). months (since, until), inclusive month codes, keeps
    only documents dated within them; formats (numbers of formats.CODES) and authors
    (schema.author_code), when given, only documents of those.

    On a shard of a cluster, statistics are the whole cluster's and factors the
    Calibration's agreed so far: a ranking that needs another factor returns no matches
    and its part of it in Ranked.pending."""
    if not isinstance(searcher.weighting, BM25F):
        raise TypeError("ranking needs a searcher with BM25F weighting")
    segments = leaves(searcher)
    stats: Statistics = statistics if statistics is not None else \
        IndexStatistics(searcher, tuple(sub.reader() for sub, _ in segments))
    filters = Filters(months, formats, authors)
    with scored_by(searcher, statistics):
        if factors is not None:
            return _ranked(searcher, segments, q, stats, filters, sort, wanted, factors)
        agreed_factors: tuple[float, ...] = ()
        while True:
            ranked = _ranked(searcher, segments, q, stats, filters, sort, wanted,
                             agreed_factors, alone=len(segments) <= 1)
            if ranked.pending is None:
                return ranked
            agreed_factors += (agreed([ranked.pending]),)


def _ranked(searcher: Searcher, segments: list[tuple[Searcher, int]], q: wq.Query,
            statistics: Statistics, filters: Filters, sort: str, wanted: int,
            factors: tuple[float, ...], alone: bool = False) -> Ranked:
    """One pass of rank() with the Calibration factors agreed so far."""
    docnums, scores, codes, prints, kinds, writers, keys = [], [], [], [], [], [], []
    pendings = []
    for sub, offset in segments:
        reader = sub.reader()
        calibration = Calibration(factors, alone)
        leaf = Leaf(sub, searcher, tables(reader), searcher.weighting, statistics, calibration)
        matches = evaluate(q, leaf)
        if calibration.pending is not None:
            pendings.append(calibration.pending)
            continue
        ids = np.flatnonzero(matches.mask & storage.live_documents(reader) &
                             filters.kept(leaf.tables))
        docnums.append(ids + offset)
        scores.append(matches.scores[ids])
        codes.append(leaf.tables.months[ids])
        prints.append(leaf.tables.fingerprints[ids])
        kinds.append(leaf.tables.formats[ids])
        writers.append(leaf.tables.authors[ids])
        keys.append(leaf.tables.order_keys[ids])
    if pendings:
        return Ranked.waiting(joined(pendings))
    all_docs = _joined(docnums, np.int64)
    all_scores = _joined(scores, np.float64)
    all_months = _joined(codes, np.int32)
    all_keys = _joined(keys, np.uint64)
    first = order(all_docs, all_scores, all_months, sort, wanted, all_keys)
    return Ranked(len(all_docs), all_docs[first], all_scores[first], all_months, all_docs,
                  _joined(prints, np.uint64), _joined(kinds, np.uint8),
                  _joined(writers, np.uint64), all_keys)


def _joined(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    """The arrays one after the other (an empty one of dtype when there are none)."""
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)
