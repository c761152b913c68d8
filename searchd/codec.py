"""searchd's Whoosh codec: Whoosh 3's, with posting blocks laid out for ranking.

Whoosh 3 pickles each block of 128 postings as one tuple of document numbers, term
frequencies and positions, so reading the frequencies of a term means decompressing and
unpickling all its positions too: on long documents that is most of the bytes. Here a
block keeps its document numbers (delta-coded, uint32) and frequencies (float32) as raw
arrays, compressed apart from the positions, which are only read for phrases and
highlighting. Term vectors and everything else keep Whoosh 3's format.

Segments remember the codec that wrote them, so an index written by this codec is read by
it too; indexes are rebuilt when SCHEMA_VERSION changes. The classes here override private
methods of Whoosh 2.7.4 (pinned); tests compare what they read with Whoosh's own matchers.
"""

from __future__ import annotations

import io
import pickle
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate
from typing import Any, TypeVar

import numpy as np
from whoosh.codec.whoosh3 import (WHOOSH3_HEADER_MAGIC, W3Codec, W3LeafMatcher,
                                  W3PerDocReader, W3PostingsWriter)
from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.system import _INT_SIZE, unpack_int
from whoosh.util.numeric import byte_to_length, length_to_byte

T = TypeVar("T")
_PART = struct.Struct("<I")  # byte length of the compressed arrays of a block
_LITTLE = sys.byteorder == "little"


class SearchdCodec(W3Codec):
    """Whoosh 3's codec with array posting blocks (see the module docstring). Posting
    blocks hold POSTINGS_BLOCK postings (Whoosh: 128), so reading a long posting list takes
    fewer rounds of Python; term vectors keep Whoosh's 128 terms a block, so a snippet
    decodes the positions of few terms besides the ones it looks for."""

    POSTINGS_BLOCK = 1024

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        if byteids:  # term vectors: Whoosh 3's own blocks
            return super().postings_writer(dbfile, byteids=True)
        return ArrayPostingsWriter(dbfile, blocklimit=self.POSTINGS_BLOCK,
                                   compression=self._compression,
                                   inlinelimit=self._inlinelimit)

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        return SearchdPerDocReader(storage, segment)

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None,
                        scorer: Any = None) -> Any:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        offset, length = terminfo.extent()
        if isinstance(length, tuple):  # Whoosh 2.7.4 reads it back as a 1-tuple (unused there)
            length = length[0]
        return ArrayLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class ArrayPostingsWriter(W3PostingsWriter):
    """Writes blocks as: Whoosh 3's block header, then [length of part 1][part 1 =
    compressed id deltas and frequencies][part 2 = compressed pickled positions]."""

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        deltas = array("I", [ids[0]] + [b - a for a, b in zip(ids, ids[1:])])
        weights = array("f", self._weights)
        if not _LITTLE:
            deltas.byteswap()
            weights.byteswap()
        level = self._compression or 1
        arrays = zlib.compress(deltas.tobytes() + weights.tobytes(), level)
        values = self._mini_values()
        positions = b"" if values is None else zlib.compress(pickle.dumps(values, 2), level)
        data = _PART.pack(len(arrays)) + arrays + positions
        info = pickle.dumps((len(ids), ids[-1], self._maxweight, 1,
                             length_to_byte(self._minlength),
                             length_to_byte(self._maxlength)), 2)
        size = len(info) + len(data)
        self._postfile.write_int(-size if last else size)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


class OneReadMatcher(W3LeafMatcher):
    """Whoosh 3's matcher, reading each block header with one read (Whoosh unpickles it
    from the file, one small read per pickle opcode)."""

    def _goto(self, position: int) -> None:
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        length = unpack_int(self._postfile.get(position, _INT_SIZE))[0]
        self._lastblock = length < 0
        length = abs(length)
        self._nextoffset = position + _INT_SIZE + length
        block = io.BytesIO(self._postfile.get(position + _INT_SIZE, length))
        (self._blocklength, self._maxid, self._maxweight, self._compression, low,
         high) = pickle.load(block)
        self._dataoffset = position + _INT_SIZE + block.tell()
        self._minlength, self._maxlength = byte_to_length(low), byte_to_length(high)


class SearchdPerDocReader(W3PerDocReader):
    """Whoosh 3's per-document reader, with term vectors read by OneReadMatcher."""

    def vector(self, docnum: int, fieldname: str, format_: Any) -> Any:
        if self._vpostfile is None:
            self._prep_vectors()
        offset, length = self._vector_extent(docnum, fieldname)
        if not offset:
            raise ValueError(f"field {fieldname!r} has no vector in document {docnum}")
        return OneReadMatcher(self._vpostfile, offset, length, format_, byteids=True)


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


class ArrayLeafMatcher(OneReadMatcher):
    """Reads ArrayPostingsWriter's blocks: positions are decompressed only when asked for."""

    def _read_data(self) -> None:
        raw = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        size = _PART.unpack_from(raw)[0]
        self._data = (zlib.decompress(raw[_PART.size:_PART.size + size]),
                      raw[_PART.size + size:])

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        deltas = array("I", self._data[0][:4 * self._blocklength])
        if not _LITTLE:
            deltas.byteswap()
        self._ids = list(accumulate(deltas))

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        weights = array("f", self._data[0][4 * self._blocklength:])
        if not _LITTLE:
            weights.byteswap()
        self._weights = weights

    def _read_values(self) -> None:
        if self._data is None:
            self._read_data()
        packed = self._data[1]
        values = pickle.loads(zlib.decompress(packed)) if packed else ()
        size = self._fixedsize
        if size is None or size < 0:
            self._values = values
        elif size == 0:
            self._values = (None,) * self._blocklength
        else:
            self._values = tuple(values[i:i + size] for i in range(0, len(values), size))


Block = tuple[np.ndarray, np.ndarray]  # document numbers (int64), frequencies (float32)


def posting_blocks(reader: Any, field: str, btext: bytes) -> Iterator[Block] | None:
    """The blocks of a term's postings in a segment reader, deleted documents included;
    None when the segment lacks the term. Blocks written by ArrayPostingsWriter are read
    from the file at once and parsed from memory; others through Whoosh's matcher."""
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
    return _array_blocks(reader._terms._postfile.get(offset + header, length - header))


def _array_blocks(raw: bytes) -> Iterator[Block]:
    """The blocks of one posting list of ArrayPostingsWriter's, from its bytes."""
    data = memoryview(raw)
    pos = 0
    while pos < len(data):
        size = unpack_int(data[pos:pos + _INT_SIZE])[0]
        start, pos = pos + _INT_SIZE, pos + _INT_SIZE + abs(size)
        block = io.BytesIO(data[start:pos])
        count = pickle.load(block)[0]
        part = start + block.tell()
        arrays_end = part + _PART.size + _PART.unpack_from(data, part)[0]
        arrays = zlib.decompress(data[part + _PART.size:arrays_end])
        ids = np.cumsum(np.frombuffer(arrays, dtype="<u4", count=count), dtype=np.int64)
        yield ids, np.frombuffer(arrays, dtype="<f4", count=count, offset=4 * count)
        if size < 0:  # the last block
            break


def _matcher_blocks(matcher: Any) -> Iterator[Block]:
    """All postings of a Whoosh matcher as one block (without the filter Whoosh puts
    around a segment with deleted documents, which has already stepped past some)."""
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
        matcher.reset()
    pairs = each_posting(matcher, lambda m: (m.id(), m.weight()))
    yield (np.array([p[0] for p in pairs], dtype=np.int64),
           np.array([p[1] for p in pairs], dtype=np.float32))


def each_posting(matcher: Any, read: Callable[[Any], T]) -> list[T]:
    """read(matcher) at every posting of a Whoosh matcher, from where it stands."""
    out = []
    while matcher.is_active():
        out.append(read(matcher))
        matcher.next()
    return out
