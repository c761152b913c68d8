"""Term vectors: the character spans of every term of a document's body, which snippets and
the document page read to mark matches without analysing the text again.

searchd's own layout (Whoosh 3 pickles a tuple per term and a block of 128 terms, which took
a quarter of a build's time): a document's vector is its terms in order, cut into chunks of
CHUNK_TERMS terms, each chunk compressed on its own, behind an index of the chunks' last
terms, so that a snippet decompresses only the chunks of the terms it looks for (a law's
vector holds thousands of terms).

  vector: MAGIC, chunk count (u32), then per chunk: offset and length of its bytes after
          the index (u32, u32), its last term (u16 length, UTF-8); then the chunks
  chunk:  zlib of: term count, span count (u32 each), the terms' byte length (u32), the
          terms (UTF-8, joined by "\\n"), each term's span count (u32), the spans' start
          characters, then their lengths (u32 each)
Spans are (startchar, endchar); positions are not kept (nothing reads them).
"""

from __future__ import annotations

import struct
import zlib
from bisect import bisect_left
from collections.abc import Iterable
from itertools import accumulate
from typing import Any

import numpy as np

Spans = dict[str, list[tuple[int, int, int]]]  # term -> (position, startchar, endchar)
Span = tuple[int, int]  # (startchar, endchar)

MAGIC = b"SV1\x00"
CHUNK_TERMS = 64  # terms a chunk holds: a snippet decodes one chunk per query term
_COUNT = struct.Struct("<I")
_ENTRY = struct.Struct("<IIH")  # a chunk's offset and length, its last term's byte length
_CHUNK_HEAD = struct.Struct("<III")  # terms, spans, bytes of the terms


def encode_vector(spans: Spans, level: int, chunk_terms: int = CHUNK_TERMS) -> bytes:
    """A document's term vector from each term's (position, startchar, endchar) list."""
    terms = sorted(spans)
    counts = np.array([len(spans[t]) for t in terms], dtype=np.int64)
    starts = np.array([s for t in terms for _, s, _ in spans[t]], dtype=np.int64)
    ends = np.array([e for t in terms for _, _, e in spans[t]], dtype=np.int64)
    return encode_vector_arrays(terms, counts, starts, ends, level, chunk_terms)


def encode_vector_arrays(terms: list[str], counts: np.ndarray, starts: np.ndarray,
                         ends: np.ndarray, level: int, chunk_terms: int = CHUNK_TERMS) -> bytes:
    """A document's term vector from its terms in order, each one's number of spans, and
    the spans' start and end characters, term after term. (Cut into chunks as bytes.)"""
    count_bytes = counts.astype("<u4").tobytes()
    start_bytes = starts.astype("<u4").tobytes()
    length_bytes = (ends - starts).astype("<u4").tobytes()
    firsts = [0, *accumulate(counts.tolist())]
    index, chunks, offset = [], [], 0
    for first in range(0, len(terms), chunk_terms):
        last = min(first + chunk_terms, len(terms))
        names = "\n".join(terms[first:last]).encode("utf-8")
        lo, hi = firsts[first], firsts[last]
        chunk = zlib.compress(b"".join((
            _CHUNK_HEAD.pack(last - first, hi - lo, len(names)), names,
            count_bytes[4 * first:4 * last], start_bytes[4 * lo:4 * hi],
            length_bytes[4 * lo:4 * hi])), level)
        final = terms[last - 1].encode("utf-8")
        index.append(_ENTRY.pack(offset, len(chunk), len(final)) + final)
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join([MAGIC, _COUNT.pack(len(chunks)), *index, *chunks])


def decode_vector(raw: bytes, terms: Iterable[str] | None = None,
                  first: int | None = None) -> dict[str, list[Span]]:
    """The spans of those of terms a vector holds (all terms when None), the first
    `first` of each when given; only the chunks that may hold them are decompressed."""
    if raw[:len(MAGIC)] != MAGIC:
        raise ValueError("not a searchd term vector")
    pos = len(MAGIC)
    (count,) = _COUNT.unpack_from(raw, pos)
    pos += _COUNT.size
    entries, lasts = [], []
    for _ in range(count):
        offset, length, size = _ENTRY.unpack_from(raw, pos)
        pos += _ENTRY.size
        lasts.append(raw[pos:pos + size].decode("utf-8"))
        entries.append((offset, length))
        pos += size
    wanted = None if terms is None else set(terms)
    chunks = range(count) if wanted is None else \
        sorted({i for i in (bisect_left(lasts, t) for t in wanted) if i < count})
    found: dict[str, list[Span]] = {}
    for i in chunks:
        offset, length = entries[i]
        found.update(_decode_chunk(zlib.decompress(raw[pos + offset:pos + offset + length]),
                                   wanted, first))
    return found


def _decode_chunk(raw: bytes, wanted: set[str] | None,
                  first: int | None) -> dict[str, list[Span]]:
    """The spans of the wanted terms (all when None) of one decompressed chunk. (struct
    and lists, not numpy: a chunk is small, and a snippet wants one or two of its terms,
    so numpy's cost per call was most of a snippet's.)"""
    nterms, nspans, size = _CHUNK_HEAD.unpack_from(raw)
    pos = _CHUNK_HEAD.size
    names = raw[pos:pos + size].decode("utf-8").split("\n")
    pos += size
    counts = struct.unpack_from(f"<{nterms}I", raw, pos)
    starts_at, lengths_at = pos + 4 * nterms, pos + 4 * (nterms + nspans)
    if wanted is None:
        places = list(enumerate(names))
    else:  # (a scan in C per wanted term beats a Python step per term of the chunk)
        places = sorted((names.index(t), t) for t in wanted if t in names)
    offsets = [0, *accumulate(counts)]
    found: dict[str, list[Span]] = {}
    for i, name in places:
        lo = offsets[i]
        n = counts[i] if first is None else min(counts[i], first)
        begins = struct.unpack_from(f"<{n}I", raw, starts_at + 4 * lo)
        lengths = struct.unpack_from(f"<{n}I", raw, lengths_at + 4 * lo)
        found[name] = [(b, b + k) for b, k in zip(begins, lengths)]
    return found


def characters_spans(fieldobj: Any, items: Iterable[tuple[str, float, bytes]]) -> Spans:
    """Spans from the items Whoosh hands a per-document writer's add_vector_items (each
    term's weight and its Characters-encoded value)."""
    decode = fieldobj.vector.decode_characters
    return {text: decode(value) for text, _, value in items}
