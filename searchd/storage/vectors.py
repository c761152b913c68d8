"""Term vectors: the body's character spans of every term of a document, which snippets and
the document page read to mark matches without analysing the text again.

Kept in Whoosh 3's vector format (pickled blocks of terms, Characters values); searchd
writes them from spans it already has (Whoosh analyses the text again for them) and reads
only the blocks of the terms it looks for.
"""

from __future__ import annotations

import pickle
import zlib
from bisect import bisect_left
from collections.abc import Iterable

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3LeafMatcher
from whoosh.system import pack_uint

from .blocks import SIZE

Spans = dict[str, list[tuple[int, int, int]]]  # term -> (position, startchar, endchar)


def encode_vector(spans: Spans, limit: int, level: int) -> bytes:
    """A Characters term vector from each term's (position, startchar, endchar) list: the
    blocks Whoosh 3's add_vector_items writes (limit terms each, pickled, zlib level),
    without its per-term writer."""
    out = [WHOOSH3_HEADER_MAGIC]
    terms = sorted(spans)
    for start in range(0, len(terms), limit):
        chunk = tuple(terms[start:start + limit])
        weights = [float(len(spans[term])) for term in chunk]
        mini = (None if all(w == 1.0 for w in weights) else
                weights[0] if all(w == weights[0] for w in weights) else tuple(weights))
        values = tuple(_characters(spans[term]) for term in chunk)
        data = pickle.dumps((chunk, mini, values), 2)
        data = zlib.compress(data, level) if level else data
        info = pickle.dumps((len(chunk), chunk[-1], max(weights), level, 0, 0), 2)
        size = len(info) + len(data)
        last = start + limit >= len(terms)
        out.append(b"".join((SIZE.pack(-size if last else size), info, data)))
    return b"".join(out)


def _characters(spans: list[tuple[int, int, int]]) -> bytes:
    """(position, startchar, endchar) triples in Whoosh's Characters encoding."""
    deltas, pos, char = [], 0, 0
    for position, start, end in spans:
        deltas.append((position - pos, start - char, end - start))
        pos, char = position, end
    count: bytes = pack_uint(len(deltas))
    return count + pickle.dumps(deltas, 2)


def vector_values(vector: W3LeafMatcher, terms: Iterable[str]) -> dict[str, bytes]:
    """The encoded values of those of terms that a term vector holds: blocks before a
    term are skipped by their last term, and the term is found by bisection."""
    found: dict[str, bytes] = {}
    for term in sorted(terms):  # the vector is sorted by term
        while vector.is_active() and vector.block_max_id() < term:
            vector._next_block()
        if not vector.is_active():
            break
        if vector._ids is None:
            vector._read_ids()
        i = bisect_left(vector._ids, term)
        if i < len(vector._ids) and vector._ids[i] == term:
            if vector._values is None:
                vector._read_values()
            found[term] = vector._values[i]
    return found
