"""What the documents hold of a query: the words of a free-text query that a hit lacks
("Ontbreekt: wapenexport"), those that no document holds at all (so that a reader sees why
a document is on the page), and the terms a snippet can mark.

A word counts as held by a document when any of its query terms is (the word itself, its
lemma, a compound part, a near spelling): what ranking.py counted as a match of it. Read
from the cached postings of each term (segments.py), only for the documents of one page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np

from .query.clause import WordClause, clauses
from .schema import BODY, LEAD
from .segments import term_postings

H = TypeVar("H")
MAX_NOTICES = 3  # words named one by one; past them, one notice for all


def held(leaves: list[tuple[Any, np.ndarray, np.ndarray]], clause: WordClause,
         count: int) -> np.ndarray:
    """For each of a page's count documents, whether it holds any term of clause; leaves:
    (segment reader, the page's documents in it as its own numbers, their places)."""
    found = np.zeros(count, dtype=bool)
    # (the lead is the body's opening: a term there is in the body too)
    terms = dict.fromkeys((t.fieldname, t.text.encode("utf-8")) for t in clause.terms()
                          if t.fieldname != LEAD)
    for reader, local, places in leaves:
        for field, btext in terms:
            ids = term_postings(reader, field, btext)[0]
            if len(ids):
                at = np.searchsorted(ids, local)
                found[places[ids[np.minimum(at, len(ids) - 1)] == local]] = True
                if found[places].all():
                    break  # every page document of this segment holds the word
    return found


def with_missing(searcher: Any, q: Any, hits: list[H], docnums: Sequence[int]) -> list[H]:
    """hits (one per docnum) with the words of a query of several words that each lacks
    (the words the planner planned: around operators too); hits as they are for any other
    query."""
    words = clauses(q)
    if len(words) < 2 or not hits:
        return hits
    wanted = np.asarray(docnums, dtype=np.int64)
    leaves = []
    for reader, offset in _leaves(searcher):
        places = np.flatnonzero((wanted >= offset) & (wanted < offset + reader.doc_count_all()))
        if len(places):
            leaves.append((reader, wanted[places] - offset, places))
    lacking: list[list[str]] = [[] for _ in hits]
    for clause in words:
        for i in np.flatnonzero(~held(leaves, clause, len(hits))).tolist():
            if clause.word not in lacking[i]:  # (a word typed twice is named once)
                lacking[i].append(clause.word)
    return [replace(hit, missing=tuple(words)) if words else hit  # type: ignore[type-var]
            for hit, words in zip(hits, lacking)]


def absent_notices(searcher: Any, q: Any) -> list[str]:
    """For each word of a query of several words (around operators too) that no document
    holds itself, a notice that says so, and how it was searched instead (its parts, near
    spellings)."""
    words = clauses(q)
    if len(words) < 2 and not (words and words[0].parts):  # (one word: when split)
        return []
    leaves = _leaves(searcher)
    notices = []
    for clause in words:
        if any(term_postings(reader, t.fieldname, t.text.encode("utf-8"))[0].size
               for t in clause.own for reader, _ in leaves):
            continue
        parts = [words[0].text for words, _ in clause.parts if words]
        instead = (f"; searched as {' + '.join(parts)}" if parts else
                   f"; searched as {', '.join(t.word for t in clause.typos)}"
                   if clause.typos else "")
        notice = f"{clause.word}: in no document{instead}"
        if notice not in notices:
            notices.append(notice)
    if len(notices) > MAX_NOTICES:  # (a query of many made-up words)
        named = [n.split(":", 1)[0] for n in notices]
        return [f"{', '.join(named[:MAX_NOTICES])} and {len(named) - MAX_NOTICES} more "
                "words: in no document"]
    return notices


def in_some_body(searcher: Any, terms: set[str]) -> set[str]:
    """The terms that occur in some body (what a snippet can mark): a free-text query asks
    for many that do not (near spellings, compound parts), and each costs a look-up in
    every hit's term vector. Their postings were just read by ranking (cached)."""
    readers = [r for r, _ in _leaves(searcher) if r.segment() is not None]
    return {t for t in terms
            if any(len(term_postings(r, BODY, t.encode("utf-8"))[0]) for r in readers)}


def _leaves(searcher: Any) -> list[tuple[Any, int]]:
    """(segment reader, its first document number) of each segment of a searcher."""
    return [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]
