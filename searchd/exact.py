"""Quoted phrases as typed first: "kenbaar heeft gemaakt" before "kenbaar had gemaakt".

The index keeps no stop words, only the gaps they leave (storage/phrases.py), so a phrase
with a stop word inside matches wherever its other words stand at their offsets, whatever
stop word fills the gap. When a phrase query has at most EXACT_DEPTH matches, only those
where the phrase stands with the very stop words typed are kept; with more, they rank
first among the first EXACT_DEPTH (in score order), the others after them. Whether a
document holds it: its positional match is read from the term vector of the phrase's first word, and
the words at each of its places from the stored text around it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np
from whoosh import query as wq

from .analysis.folding import fold
from .analysis.stopwords import STOP_WORDS
from .analysis.tokenizer import _WORD
from .neardup import Group, group
from .query.budget import check
from .ranked import Ranked
from .schema import BODY
from .snippets import vector_spans
from .storage import GappedPhrase

EXACT_DEPTH = 100  # matches of a phrase query checked for the phrase as typed
_WINDOW = 12       # characters of text read per character of the phrase, around a match
MAX_PLACES = 200   # places of a phrase in one document read at most


def gapped_phrases(q: Any) -> list[GappedPhrase]:
    """The phrases of the body field in q whose gaps a stop word filled and that every
    match of q matches: a phrase alone (in each field), a part of AND, +"phrase", the kept
    side of NOT; not one among alternatives (`"raad van state" OR mondmaskers` keeps the
    documents about mondmaskers)."""
    return [leaf for leaf in _required(q) if leaf.fieldname == BODY and leaf.surface
            and (leaf.gapped or _edge_stops(leaf.surface))]


def _edge_stops(surface: str) -> bool:
    """True when a phrase as typed starts or ends with a stop word ("in de gevangenis":
    the index keeps no position for it, so the stored text decides)."""
    words = _WORD.findall(surface)
    return len(words) > 1 and (fold(words[0]) in STOP_WORDS or fold(words[-1]) in STOP_WORDS)


def _required(q: Any) -> list[GappedPhrase]:
    """The phrases every match of q matches (see gapped_phrases)."""
    if isinstance(q, GappedPhrase):
        return [q]
    if isinstance(q, wq.Or):  # one phrase, in every field
        subs = q.subqueries
        same = subs and all(isinstance(s, GappedPhrase) and s.words == subs[0].words
                            for s in subs)
        return list(subs) if same else []
    if type(q) is wq.And:
        return [p for sub in q.subqueries for p in _required(sub)]
    if isinstance(q, wq.Require):
        return _required(q.a) + _required(q.b)
    if isinstance(q, (wq.AndNot, wq.AndMaybe)):
        return _required(q.a)
    return []


def exact_first(ranked: Ranked, phrases: list[GappedPhrase],
                holds: Callable[[int, GappedPhrase], bool]) -> Ranked:
    """ranked with the documents that hold every phrase as typed first (each group in its
    order); when every match was checked (at most EXACT_DEPTH), only those."""
    exact = np.array([all(holds(int(d), p) for p in phrases)
                      for d in ranked.docnums.tolist()], dtype=bool)
    if ranked.total <= len(ranked.docnums):
        return ranked.keeping(ranked.docnums[exact])
    order = np.concatenate([np.flatnonzero(exact), np.flatnonzero(~exact)])
    return replace(ranked, docnums=ranked.docnums[order], scores=ranked.scores[order])


def holds_as_typed(reader: Any, body: Callable[[int], Any], analyzer: Any, docnum: int,
                   phrase: GappedPhrase) -> bool:
    """True when the stored body of docnum holds phrase with its stop words as typed."""
    check()  # (a phrase query's work is bounded like any search's)
    wanted = _stop_words_by_offset(analyzer, phrase.surface)
    text = body(docnum)
    reach = _WINDOW * len(phrase.surface) + 40
    back = _WINDOW * 4 if min(wanted, default=0) < 0 else 0  # (stop words before it)
    lasts = [a for a, _ in vector_spans(reader, docnum, BODY, {phrase.words[-1]})]
    # only where the last word follows within reach: the places the phrase may stand
    places = [a for a, _ in vector_spans(reader, docnum, BODY, {phrase.words[0]})
              if bisect_right(lasts, a + reach) > bisect_left(lasts, a)]
    for start in places[:MAX_PLACES]:
        begin = max(0, start - back)
        found = _words_by_offset(analyzer, text[begin:start + reach], start - begin)
        if all(word in found.get(offset, ()) for offset, word in wanted.items()):
            return True
    return False


def title_holds(analyzer: Any, title: str, phrase: GappedPhrase) -> bool:
    """True when a title holds phrase with its stop words as typed (a title is short: its
    words are compared in sequence)."""
    wanted = _sequence(analyzer, phrase.surface)
    have = _sequence(analyzer, title)
    return bool(wanted) and any(have[i:i + len(wanted)] == wanted
                                for i in range(len(have) - len(wanted) + 1))


def _sequence(analyzer: Any, text: str) -> list[str]:
    """The folded terms of a text in order, its stop words among them (one per place)."""
    seen: dict[int, str] = {}
    for token in analyzer(text, positions=True, removestops=False, mode="query",
                          chars=True):
        seen.setdefault(token.pos, token.text)
    return [seen[pos] for pos in sorted(seen)]


@lru_cache(maxsize=64)  # (asked once for every document a phrase search checks)
def _stop_words_by_offset(analyzer: Any, text: str) -> dict[int, str]:
    """The stop words of a phrase, by their offset from its first indexed word."""
    tokens = [(t.pos, t.text, t.stopped) for t in
              analyzer(text, positions=True, removestops=False, mode="query", chars=True)]
    first = next((pos for pos, _, stopped in tokens if not stopped), 0)
    return {pos - first: word for pos, word, stopped in tokens if stopped}


def _words_by_offset(analyzer: Any, text: str, at: int = 0) -> dict[int, set[str]]:
    """The folded words of a text by their offset from the word that starts at character
    `at` (its first word when none does)."""
    words: list[tuple[int, int, str]] = [
        (t.pos, t.startchar, t.text) for t in
        analyzer(text, positions=True, removestops=False, mode="query", chars=True)]
    first = next((pos for pos, char, _ in words if char >= at), 0)
    found: dict[int, set[str]] = {}
    for pos, _, word in words:
        found.setdefault(pos - first, set()).add(word)
    return found


Holding = Callable[[Ranked], Callable[[int, GappedPhrase], bool]]


def ranked_groups(rank_at: Callable[[int], Ranked], phrases: list[GappedPhrase],
                  holding: Holding, wanted: int,
                  collapse: bool) -> tuple[Ranked, list[Group]]:
    """The matches ranked (rank_at(depth): the first depth of them), the phrases as typed
    first (holding(ranked) tells which document holds a phrase so), and the first `wanted`
    groups of them: near-duplicates (neardup.py) under the best ranked of them when
    collapse is on, else one document a group. Ranks deeper while groups took more
    documents than it ranked."""
    depth = max(wanted * (2 if collapse else 1) + (10 if collapse else 0),
                EXACT_DEPTH if phrases else 0)
    while True:
        ranked = rank_at(depth)
        if phrases:
            ranked = exact_first(ranked, phrases, holding(ranked))
        if not collapse or ranked.matched is None or ranked.prints is None:
            return ranked, [Group(d) for d in ranked.docnums[:wanted].tolist()]
        groups = group(ranked.docnums, ranked.matched, ranked.prints, wanted, ranked.keys)
        if groups is not None:
            return ranked, groups
        depth *= 2
