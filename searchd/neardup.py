"""Near-duplicate documents: the same text, or nearly (a parliamentary question sent to
several ministers), shown once with the others beside it.

At index time each document gets a 64-bit simhash (Charikar 2002; Manku, Jain and Das Sarma
2007) of its title and body: every distinct run of SHINGLE words (case folded) is hashed, and each
bit of the fingerprint is the majority of that bit over the runs. Two texts sharing most of
their runs get fingerprints that differ in few bits. A document's fingerprint depends on its
own text only, so an incremental sync keeps them as it keeps the rest of the document.

At query time the ranked matches are grouped: the best-ranked document of a group leads it,
the matches whose fingerprint is within NEAR_BITS bits of it follow it. On be-kamer-2020
(6,058 Chamber questions), pairs whose runs of three words overlap by 85% or more (Jaccard)
are within 3 bits in 96% of cases and no pair below 65% is (bench/neardup.py).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SHINGLE = 3           # words per run
MAX_WORDS = 200_000   # a huge document is fingerprinted by its first this many words
NEAR_BITS = 3         # fingerprints at most this many bits apart are the same text
GROUP_DEPTH = 200     # the first this many of a ranking lead groups (each costs a scan)
NONE = 0              # the fingerprint of a text without words: never grouped
_WORD = re.compile(r"[^\W_]+")
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F),
        np.uint64(0x165667B19E3779F9), np.uint64(0xBF58476D1CE4E5B9),
        np.uint64(0x94D049BB133111EB))


def fingerprint(title: str, body: str) -> int:
    """The simhash of a document's words (NONE when it has none)."""
    words = _WORD.findall((title + "\n" + body).casefold(), 0, MAX_WORDS * 20)
    if not words:
        return NONE
    distinct, where = np.unique(np.array(words[:MAX_WORDS]), return_inverse=True)
    hashes = np.array([_word_hash(w) for w in distinct.tolist()], dtype=np.uint64)[where]
    runs = np.unique(_runs(hashes))
    # each run's 64 bits, counted per bit position in pieces (a run is 64 bytes here)
    counts = np.zeros(64, dtype=np.int64)
    for start in range(0, len(runs), 1 << 15):
        piece = runs[start:start + (1 << 15)]
        counts += np.unpackbits(piece.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=0,
                                                                              dtype=np.int64)
    bits = np.packbits(counts * 2 > len(runs)).view(np.uint64)[0]
    return int(bits) or 1  # (a real fingerprint of 0 would read as NONE)


@lru_cache(maxsize=1 << 16)
def _word_hash(word: str) -> int:
    """A stable 64-bit hash of a word (Python's hash() differs between processes)."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def _runs(hashes: np.ndarray) -> np.ndarray:
    """The hash of every run of SHINGLE consecutive word hashes (of all, when fewer)."""
    with np.errstate(over="ignore"):
        if len(hashes) < SHINGLE:
            return np.array([_mixed(np.bitwise_xor.reduce(hashes * _MIX[0]))], dtype=np.uint64)
        count = len(hashes) - SHINGLE + 1
        combined: np.ndarray = np.zeros(count, dtype=np.uint64)
        for i in range(SHINGLE):
            combined = combined * _MIX[1] + hashes[i:i + count] * _MIX[i + 2]
        return _mixed(combined)


def _mixed(values: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's): every input bit moves every output bit."""
    with np.errstate(over="ignore"):
        values = (values ^ (values >> np.uint64(30))) * _MIX[3]
        values = (values ^ (values >> np.uint64(27))) * _MIX[4]
        return values ^ (values >> np.uint64(31))


@dataclass(frozen=True)
class Group:
    """A ranked document and the matches that are near-duplicates of it, in rank order."""

    leader: int
    members: tuple[int, ...] = ()


def same(one: int, other: int) -> bool:
    """True when two fingerprints are of the same text, or nearly (neither NONE)."""
    return one != NONE and other != NONE and bin(one ^ other).count("1") <= NEAR_BITS


def near(prints: np.ndarray, print_: int) -> np.ndarray:
    """Positions of the fingerprints in prints at most NEAR_BITS from print_ (none for
    NONE)."""
    if print_ == NONE:
        return np.zeros(0, dtype=np.int64)
    distance = np.bitwise_count(prints ^ np.uint64(print_))
    return np.flatnonzero((distance <= NEAR_BITS) & (prints != NONE))


def group(order: np.ndarray, matched: np.ndarray, prints: np.ndarray,
          wanted: int, keys: np.ndarray | None = None) -> list[Group] | None:
    """The first `wanted` groups of a ranking: order holds the first document numbers of
    it, matched every match (ascending) and prints their fingerprints. Each of the first
    GROUP_DEPTH documents of order not yet in a group leads one, which the matches near it
    join (in rank order, then by order key, keys being those of matched); past GROUP_DEPTH
    each document not taken is a group of its own. None when order runs out before
    `wanted` groups while matches remain (rank deeper and ask again)."""
    taken: set[int] = set()
    groups: list[Group] = []
    ranked = order.tolist()
    owns = prints[np.searchsorted(matched, order[:GROUP_DEPTH])].tolist()
    for position, doc in enumerate(ranked):
        if len(groups) >= wanted:
            return groups
        if doc in taken:
            continue
        found = near(prints, owns[position]) if position < GROUP_DEPTH else ()
        if len(found) < 2:  # (itself, or nothing for a text without words): most hits
            groups.append(Group(doc))
            continue
        members = [d for d in matched[found].tolist() if d != doc and d not in taken]
        tie = dict(zip(matched[found].tolist(), (keys[found] if keys is not None
                                                  else matched[found]).tolist()))
        members.sort(key=lambda d: (ranked.index(d) if d in ranked else len(ranked), tie[d], d))
        taken.update(members)
        groups.append(Group(doc, tuple(members)))
    return groups if len(taken.union(order.tolist())) >= len(matched) else None
