"""One ranking of the whole cluster from its shards' rankings: each shard ranks its own
documents with the cluster's statistics (so a score is the score one index would give),
and the merge orders the union of their first hits as one index orders its matches (by
score, equal scores by order key). Documents get cluster-wide numbers, local * SPAN + shard,
so that what works on one index's numbers (grouping near-duplicates, facets) works on them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ranked import Ranked, order

SPAN = 1024  # cluster-wide document number: local number * SPAN + shard (shards <= SPAN)


@dataclass(frozen=True)
class ShardRanked:
    """A shard's ranking as sent to the coordinator: its first hits with their months and
    order keys, how many matched, and every match's fingerprint, month, format, author and
    order key when the search needs them (grouping, facets); or pending, its part of a
    Calibration factor."""

    total: int
    docnums: np.ndarray
    scores: np.ndarray
    months: np.ndarray   # of the first hits
    keys: np.ndarray     # of the first hits
    whole: Ranked | None = None  # every match (Ranked's arrays), when asked for
    pending: tuple[float | None, float | None] | None = None

    @classmethod
    def of(cls, ranked: Ranked, whole: bool) -> ShardRanked:
        """What a shard sends of its Ranked."""
        if ranked.pending is not None:
            empty = np.zeros(0, dtype=np.int64)
            return cls(0, empty, np.zeros(0), empty, empty.astype(np.uint64),
                       pending=ranked.pending)
        matched = ranked.matched if ranked.matched is not None else ranked.docnums
        where = np.searchsorted(matched, ranked.docnums)
        keys = ranked.keys[where] if ranked.keys is not None else \
            np.zeros(len(where), dtype=np.uint64)
        months = ranked.months[where] if len(ranked.months) == len(matched) else \
            np.zeros(len(where), dtype=np.int32)
        return cls(ranked.total, ranked.docnums, ranked.scores, months, keys,
                   ranked if whole else None)


def global_numbers(docnums: np.ndarray, shard: int) -> np.ndarray:
    """Cluster-wide numbers of a shard's document numbers."""
    return docnums.astype(np.int64) * SPAN + shard


def shard_and_local(docnum: int) -> tuple[int, int]:
    """(shard, its document number) of a cluster-wide document number."""
    return docnum % SPAN, docnum // SPAN


def merged(parts: list[ShardRanked], sort: str, wanted: int) -> Ranked:
    """The cluster's Ranked of its shards' (parts[i] is shard i's), the first `wanted` in
    sort order; with every match's arrays when each part has them."""
    tops = [global_numbers(p.docnums, i) for i, p in enumerate(parts)]
    docs = np.concatenate(tops) if tops else np.zeros(0, dtype=np.int64)
    scores = np.concatenate([p.scores for p in parts]) if parts else np.zeros(0)
    months = np.concatenate([p.months for p in parts]) if parts else np.zeros(0, np.int32)
    keys = np.concatenate([p.keys for p in parts]) if parts else np.zeros(0, np.uint64)
    first = order(docs, scores, months, sort, wanted, keys)
    total = sum(p.total for p in parts)
    wholes = [p.whole for p in parts]
    if not parts or any(w is None or w.matched is None for w in wholes):
        return Ranked(total, docs[first], scores[first], months)
    return _with_matches(total, docs[first], scores[first], parts)


def _with_matches(total: int, docs: np.ndarray, scores: np.ndarray,
                  parts: list[ShardRanked]) -> Ranked:
    """A Ranked with every match of every shard, in cluster-wide number order."""
    wholes = [p.whole for p in parts]
    matched = np.concatenate([global_numbers(w.matched, i) for i, w in enumerate(wholes)
                              if w is not None and w.matched is not None])
    arrange = np.argsort(matched, kind="stable")

    def joined(name: str, dtype: type) -> np.ndarray:
        arrays = [getattr(w, name) for w in wholes if w is not None]
        if any(a is None for a in arrays):
            return np.zeros(len(matched), dtype=dtype)
        return np.concatenate(arrays)[arrange]

    return Ranked(total, docs, scores, joined("months", np.int32), matched[arrange],
                  joined("prints", np.uint64), joined("formats", np.uint8),
                  joined("authors", np.uint64), joined("keys", np.uint64))
