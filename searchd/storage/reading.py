"""Reading posting lists and the term index at once, for ranking and spelling.

Whoosh reads a posting list one block at a time through a matcher, and the term index one
key and one value at a time (a seek and a read each). These functions read what searchd's
codec wrote in large pieces and parse it with numpy; segments written by another codec
(and inlined posting lists) go through Whoosh's own matcher.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader
from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.system import _SHORT_SIZE, pack_ushort

from . import wordlists
from .blocks import array_blocks
from .codec import RECORD_HEAD, TERMINFO, SearchdCodec, SearchdPerDocReader
from .vectors import Span, decode_vector

T = TypeVar("T")
Block = tuple[np.ndarray, np.ndarray]  # document numbers (int64), frequencies (uint8/float32)


def posting_blocks(reader: Any, field: str, btext: bytes) -> Iterator[Block] | None:
    """The blocks of a term's postings in a segment reader, deleted documents included;
    None when the segment lacks the term. Blocks written by ArrayPostingsWriter are read
    from the file at once and parsed from memory; others through Whoosh's matcher."""
    found = _posting_list(reader, field, btext)
    if found is None or not isinstance(found, bytes):
        return found
    return ((np.cumsum(deltas, dtype=np.int64), weights)
            for deltas, weights in array_blocks(found))


def posting_arrays(reader: Any, field: str,
                   btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """A term's document numbers (int32) and weights (float32) in a segment reader,
    deleted documents included; None when the segment lacks the term. (What ranking
    reads: each block decoded straight into the arrays.)"""
    found = _posting_list(reader, field, btext)
    if found is None:
        return None
    if not isinstance(found, bytes):
        id_blocks, weight_blocks = zip(*found)
        return np.concatenate(id_blocks).astype(np.int32), np.concatenate(weight_blocks)
    parts = list(array_blocks(found))
    docs = np.empty(sum(len(d) for d, _ in parts), dtype=np.int32)
    weights = np.empty(len(docs), dtype=np.float32)
    start = 0
    for deltas, block_weights in parts:
        end = start + len(deltas)
        np.cumsum(deltas, dtype=np.int32, out=docs[start:end])
        weights[start:end] = block_weights
        start = end
    return docs, weights


def _posting_list(reader: Any, field: str, btext: bytes) -> bytes | Iterator[Block] | None:
    """A term's posting list in a segment: the bytes of its blocks when ArrayPostingsWriter
    wrote them, else Whoosh's matcher's postings as one block; None when it is absent."""
    try:
        info = reader.term_info(field, btext)
    except TermNotFound:
        return None
    if not isinstance(reader.codec(), SearchdCodec) or info.is_inlined():
        return _matcher_blocks(reader.postings(field, btext))
    offset, length = info.extent()
    if isinstance(length, tuple):  # Whoosh 2.7.4 reads it back as a 1-tuple (unused there)
        length = length[0]
    header = len(WHOOSH3_HEADER_MAGIC)
    raw: bytes = reader._terms._postfile.get(offset + header, length - header)
    return raw


def _matcher_blocks(matcher: Any) -> Iterator[Block]:
    """All postings of a Whoosh matcher as one block (without the filter Whoosh puts
    around a segment with deleted documents, which has already stepped past some)."""
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
        matcher.reset()
    pairs = each_posting(matcher, lambda m: (m.id(), m.weight()))
    yield (np.array([p[0] for p in pairs], dtype=np.int64),
           np.array([p[1] for p in pairs], dtype=np.float32))


def each_posting(matcher: Any, read: Callable[[Any], T],
                 check: Callable[[], None] | None = None, every: int = 256) -> list[T]:
    """read(matcher) at every posting of a Whoosh matcher, from where it stands; check()
    (which may raise to stop) after every `every` postings."""
    out = []
    while matcher.is_active():
        out.append(read(matcher))
        if check is not None and len(out) % every == 0:
            check()
        matcher.next()
    return out


def word_list(reader: Any) -> tuple[bytes, np.ndarray, np.ndarray] | None:
    """The word list a segment reader's segment was written with (wordlists.decode), or
    None for a segment written before word lists, or an unreadable one."""
    segment, storage = getattr(reader, "_segment", None), getattr(reader, "_storage", None)
    if segment is None or storage is None:
        return None
    name = segment.make_filename(wordlists.EXT)
    try:
        if not storage.file_exists(name):
            return None
        listed = storage.open_file(name)
        try:
            return wordlists.decode(listed.read(storage.file_length(name)))
        finally:
            listed.close()
    except (OSError, wordlists.WordListError):
        return None


def field_terms(reader: Any, field: str, chunk: int = 1 << 17) -> Iterator[tuple[bytes, int]]:
    """(term, document count) of every term of a field of a segment reader, in term order.
    The field's part of the term index is read a chunk at a time and parsed from memory
    (Whoosh reads every key and every value with a seek and a read of its own)."""
    terms = getattr(reader, "_terms", None)
    if field not in reader.schema:
        return
    if not isinstance(terms, W3TermsReader) or field not in terms._fieldmap:
        yield from ((t.encode("utf-8") if isinstance(t, str) else t, info.doc_frequency())
                    for t, info in reader.iter_field(field))
        return
    tindex, number = terms._tindex, terms._fieldmap[field]
    start = tindex.closest_key_pos(pack_ushort(number))
    if start is None:
        return
    end = tindex.closest_key_pos(pack_ushort(number + 1)) if number < 0xFFFF else None
    yield from _records(tindex.dbfile, start, end or tindex.endofdata, chunk)


def _records(dbfile: Any, start: int, end: int, chunk: int) -> Iterator[tuple[bytes, int]]:
    """(term, document count) of the term index records between two file positions. One
    large read would stay in a server process's heap after it is freed."""
    data, pos = b"", 0
    while True:
        need = RECORD_HEAD.size
        if len(data) - pos >= need:
            keylen, valuelen = RECORD_HEAD.unpack_from(data, pos)
            need += keylen + valuelen
            if len(data) - pos >= need:
                key = pos + RECORD_HEAD.size
                yield (data[key + _SHORT_SIZE:key + keylen],
                       TERMINFO.unpack_from(data, key + keylen)[2])
                pos += need
                continue
        if start >= end:
            return
        size = min(max(chunk, need - (len(data) - pos)), end - start)
        data, pos, start = data[pos:] + dbfile.get(start, size), 0, start + size


def vector_spans(reader: Any, docnum: int, field: str, terms: Iterable[str] | None,
                 first: int | None = None) -> dict[str, list[Span]]:
    """The character spans of those of terms (None: all) a document's term vector holds
    (the first `first` of each, when given): {} when it has no vector of field."""
    for leaf, offset in reader.leaf_readers():
        if offset <= docnum < offset + leaf.doc_count_all():
            perdoc = getattr(leaf, "_perdoc", None)
            if not isinstance(perdoc, SearchdPerDocReader):
                return {}
            raw = perdoc.vector_bytes(docnum - offset, field)
            return {} if raw is None else decode_vector(raw, terms, first)
    return {}
