"""searchd's Whoosh codec: Whoosh 3's, with posting blocks laid out for ranking.

Whoosh 3 pickles each block of 128 postings as one tuple of document numbers, term
frequencies and positions, so reading the frequencies of a term means decompressing and
unpickling all its positions too: on long documents that is most of the bytes. Here a
block keeps its document numbers (delta-coded) and frequencies as raw arrays of the
narrowest type that holds them (uint8, uint16 or uint32; uint8 or float32), never
compressed, so ranking reads them with numpy alone; the positions come after them,
compressed, and are only read for phrases and highlighting. Block headers are structs
(Whoosh pickles them). Term vectors and everything else keep Whoosh 3's format.

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
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, TypeVar

import numpy as np
from whoosh.codec.whoosh3 import (VECTOR_COLUMN, VECTOR_LEN_COLUMN, WHOOSH3_HEADER_MAGIC,
                                  W3Codec, W3LeafMatcher,
                                  W3PerDocReader, W3PerDocWriter, W3PostingsWriter,
                                  W3TermInfo, W3TermsReader, _vecfield)
from whoosh.formats import Existence, Frequency, Positions
from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.system import (_INT_SIZE, _SHORT_SIZE, pack_int, pack_long, pack_uint, pack_ushort,
                           unpack_int)
from whoosh.util.numeric import byte_to_length, length_to_byte

T = TypeVar("T")
# A posting block's header: postings, last id, largest weight, zlib level of the values (0:
# not compressed), shortest and longest field length (Whoosh's length bytes), then the byte
# length of part 1 and the widths of its ids and weights.
_HEADER = struct.Struct("<IIfBBBIBB")
_ID_TYPES = {1: "<u1", 2: "<u2", 4: "<u4"}  # width of the id deltas -> their type
_WEIGHT_TYPES = {1: "<u1", 4: "<f4"}  # width of the weights -> type (uint8: whole numbers)
_ARRAY_CODES = {"<u1": "B", "<u2": "H", "<u4": "I", "<f4": "f"}
_SIZE = struct.Struct("!i")  # a block's byte length (Whoosh's write_int), < 0 for the last
SMALL_BLOCK = 64  # bytes of values (frequencies, positions) below which they are not compressed
_TERMINFO = W3TermInfo._struct  # the term info's statistics, before its extent
_LITTLE = sys.byteorder == "little"


class SearchdCodec(W3Codec):
    """Whoosh 3's codec with array posting blocks (see the module docstring). Posting
    blocks hold POSTINGS_BLOCK postings (Whoosh: 128), so reading a long posting list takes
    fewer rounds of Python; term vector blocks hold VECTOR_BLOCK terms, so a snippet
    decodes the positions of few terms besides the ones it looks for."""

    POSTINGS_BLOCK = 1024
    POSTINGS_LEVEL = 1  # zlib level of posting values (term vectors keep Whoosh 3's)
    # Terms a term vector block holds (Whoosh: 128). A snippet decodes the block of each
    # query term; a block of a long law's vector holds thousands of spans. With 32, long
    # queries' snippets on 3,000 laws took about 30% less time (p50 21 -> 15 ms).
    VECTOR_BLOCK = 32

    def __init__(self) -> None:
        super().__init__(blocklimit=self.VECTOR_BLOCK)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        if byteids:  # term vectors: Whoosh 3's own blocks
            return super().postings_writer(dbfile, byteids=True)
        return ArrayPostingsWriter(dbfile, blocklimit=self.POSTINGS_BLOCK,
                                   compression=self.POSTINGS_LEVEL,
                                   inlinelimit=self._inlinelimit)

    def per_document_writer(self, storage: Any, segment: Any) -> Any:
        return SearchdPerDocWriter(self, storage, segment)

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
    """Writes blocks as: a header (_HEADER: Whoosh 3's block statistics as a struct, not a
    pickle, with part 1's length and the widths of its arrays), then [part 1 = id deltas
    and weights][part 2 = the postings' values as arrays].
    Part 2 holds, per posting, its frequency (uint32), and for a format with positions all
    the position deltas (uint32) after them; a format without values (Existence) has none.
    Part 2 is compressed unless it is small (header field 4 says which); part 1 never is."""

    def _write_block(self, last: bool = False) -> None:
        """Whoosh's per-posting path (add_posting; merges use it): the buffered block."""
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        counts, positions = _value_arrays(self._format, self._values)
        ids = np.frombuffer(self._ids, dtype=np.uint32)
        weights = np.frombuffer(self._weights, dtype=np.float32)
        maxweight = float(weights.max())
        low, high = self._minlength or 0, self._maxlength
        _add_block_stats(self._terminfo, ids, weights, maxweight, low, high)
        values = b"" if counts is None else counts.astype("<u4").tobytes()
        if positions is not None:
            values += positions.astype("<u4").tobytes()
        deltas = np.diff(ids.astype(np.int64), prepend=0)
        idw = int(id_widths(deltas.max()))
        weightw = int(weight_widths(_byte_sized(weights).all()))
        part = (deltas.astype(_ID_TYPES[idw]).tobytes()
                + weights.astype(_WEIGHT_TYPES[weightw]).tobytes())
        self._postfile.write(block_bytes(len(ids), int(ids[-1]), maxweight, low, high,
                                         part, (idw, weightw), values, self._compression,
                                         last))
        self._blockcount += 1
        self._new_block()


def id_widths(largest: Any) -> np.ndarray:
    """Bytes of the narrowest unsigned type that holds a block's id deltas, from the
    largest delta of each block (an array, or one number)."""
    return np.select([largest < 1 << 8, largest < 1 << 16], [1, 2], 4)


def weight_widths(byte_sized: Any) -> np.ndarray:
    """Bytes a block's weights are stored in: 1 (uint8) where all of them are
    _byte_sized (term frequencies, nearly always), else 4 (float32)."""
    return np.where(byte_sized, 1, 4)


def _byte_sized(weights: np.ndarray) -> np.ndarray:
    """Which weights a uint8 holds exactly: whole numbers from 0 to 255."""
    return (weights == np.round(weights)) & (weights >= 0) & (weights < 256)


def block_bytes(count: int, lastid: int, maxweight: float, minlength: int, maxlength: int,
                part: bytes, widths: tuple[int, int], values: bytes, level: int,
                last: bool) -> bytes:
    """One posting block in ArrayPostingsWriter's layout, its size prefix included, from
    part 1 (id deltas, then weights, of the widths given) and the values uncompressed
    (frequencies, then each posting's positions as deltas from the one before, the first
    from 0, as Whoosh's Positions format has them)."""
    comp = level if len(values) > SMALL_BLOCK else 0
    if comp:
        values = zlib.compress(values, comp)
    size = _HEADER.size + len(part) + len(values)
    header = _HEADER.pack(count, lastid, maxweight, comp, length_to_byte(minlength),
                          length_to_byte(maxlength), len(part), *widths)
    return b"".join((_SIZE.pack(-size if last else size), header, part, values))


@dataclass
class SortedPostings:
    """A field's postings sorted by term, then document: what encode_postings() takes."""

    terms: list[bytes]          # sorted
    firsts: np.ndarray          # where each term's postings begin, and the end (int64)
    docs: np.ndarray            # document numbers (uint32)
    weights: np.ndarray         # float32
    freqs: np.ndarray | None    # uint32, for formats with values
    deltas: np.ndarray | None   # position deltas (uint32), for formats with positions
    starts: np.ndarray | None   # where each posting's deltas begin, and the end (int64)


@dataclass
class TermPostings:
    """One term's posting list, encoded: its blocks in ArrayPostingsWriter's layout and
    the statistics of its term info."""

    term: bytes
    blocks: bytes       # without the posting list's header
    last: int           # where its last block begins in blocks
    weight: float       # total weight
    df: int
    minlength: int      # 0: no lengths (a field that is not scorable)
    maxlength: int
    maxweight: float
    minid: int
    maxid: int


def encode_postings(postings: SortedPostings, lengths: np.ndarray, blocksize: int,
                    level: int) -> Iterator[TermPostings]:
    """A field's posting lists, term by term, in blocks of blocksize, with the statistics
    of every block computed at once (the per-term loop only slices bytes)."""
    docs, weights = postings.docs, postings.weights
    sizes = np.diff(postings.firsts)
    nblocks = -(-sizes // blocksize)
    term_of = np.repeat(np.arange(len(sizes)), nblocks)
    nth = np.arange(len(term_of)) - np.repeat(np.cumsum(nblocks) - nblocks, nblocks)
    begins = postings.firsts[:-1][term_of] + nth * blocksize
    ends = np.minimum(begins + blocksize, postings.firsts[1:][term_of])
    deltas = np.diff(docs.astype(np.int64), prepend=0)
    deltas[begins] = docs[begins]
    top_weights = np.maximum.reduceat(weights, begins)
    idws = id_widths(np.maximum.reduceat(deltas, begins))
    weightws = weight_widths(np.logical_and.reduceat(_byte_sized(weights), begins))
    ids_as = {w: deltas.astype(_ID_TYPES[w]).tobytes() for w in np.unique(idws).tolist()}
    weights_as = {w: weights.astype(_WEIGHT_TYPES[w]).tobytes()
                  for w in np.unique(weightws).tolist()}
    values = b"" if postings.freqs is None else postings.freqs.astype("<u4").tobytes()
    positions = (b"" if postings.deltas is None else  # a view: the biggest array of all
                 memoryview(np.ascontiguousarray(postings.deltas, dtype="<u4")).cast("B"))
    lens = lengths[docs].astype(np.int64)
    low = np.minimum.reduceat(np.where(lens > 0, lens, 1 << 40), begins)
    low[low == 1 << 40] = 0
    stats = zip(begins.tolist(), ends.tolist(), docs[ends - 1].tolist(),
                top_weights.tolist(),
                np.add.reduceat(weights.astype(np.float64), begins).tolist(),
                low.tolist(), np.maximum.reduceat(lens, begins).tolist(),
                (postings.starts[begins] if postings.starts is not None else begins).tolist(),
                (postings.starts[ends] if postings.starts is not None else begins).tolist(),
                idws.tolist(), weightws.tolist())
    for term, count, df in zip(postings.terms, nblocks.tolist(), sizes.tolist()):
        blocks: list[bytes] = []
        found = TermPostings(term, b"", 0, 0.0, df, 1 << 40, 0, 0.0, -1, -1)
        for i in range(count):
            begin, end, lastid, top, weight, short, long_, pbegin, pend, idw, ww = next(stats)
            if found.minid < 0:
                found.minid = int(docs[begin])
            found.weight += weight
            found.maxweight = max(found.maxweight, top)
            found.minlength = min(found.minlength, short)
            found.maxlength = max(found.maxlength, long_)
            found.maxid = lastid
            part = ids_as[idw][idw * begin:idw * end] + weights_as[ww][ww * begin:ww * end]
            held = values[4 * begin:4 * end] + positions[4 * pbegin:4 * pend]
            found.last = sum(len(b) for b in blocks) if i == count - 1 else found.last
            blocks.append(block_bytes(end - begin, lastid, top, short, long_, part,
                                      (idw, ww), held, level, i == count - 1))
        found.blocks = b"".join(blocks)
        yield found


def join_postings(parts: list[TermPostings]) -> TermPostings:
    """One term's posting lists from several runs of documents, in document order, as one:
    blocks one after the other (the earlier lists' last blocks no longer marked last)."""
    if len(parts) == 1:
        return parts[0]
    blocks, offset = [], 0
    for part in parts[:-1]:
        size = _SIZE.unpack_from(part.blocks, part.last)[0]
        blocks.append(part.blocks[:part.last] + _SIZE.pack(-size) + part.blocks[part.last + 4:])
        offset += len(part.blocks)
    last = parts[-1]
    return TermPostings(last.term, b"".join(blocks) + last.blocks, offset + last.last,
                        sum(p.weight for p in parts), sum(p.df for p in parts),
                        min(p.minlength for p in parts), max(p.maxlength for p in parts),
                        max(p.maxweight for p in parts), parts[0].minid, last.maxid)


def write_terms(fieldwriter: Any, name: str, fieldobj: Any,
                terms: Iterable[TermPostings]) -> None:
    """Write a field's encoded posting lists and term infos (terms in order) through a
    Whoosh 3 field writer."""
    fieldwriter.start_field(name, fieldobj)
    postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
    prefix = pack_ushort(fieldwriter._fieldid)
    offset = postfile.tell()
    for found in terms:
        size = len(WHOOSH3_HEADER_MAGIC) + len(found.blocks)
        postfile.write(WHOOSH3_HEADER_MAGIC + found.blocks)
        info = _TERMINFO.pack(0, found.weight, found.df, length_to_byte(found.minlength),
                              length_to_byte(found.maxlength), found.maxweight, found.minid,
                              found.maxid)
        tindex.add(prefix + found.term, info + pack_long(offset) + pack_int(size))
        offset += size
    fieldwriter.finish_field()


def _add_block_stats(terminfo: Any, ids: np.ndarray, weights: np.ndarray,
                     maxweight: float, minlength: int, maxlength: int) -> None:
    """What W3TermInfo.add_block adds up, from arrays."""
    terminfo._weight += float(weights.sum(dtype=np.float64))
    terminfo._df += len(ids)
    if terminfo._minlength is None or minlength < terminfo._minlength:
        terminfo._minlength = minlength
    terminfo._maxlength = max(terminfo._maxlength, maxlength)
    terminfo._maxweight = max(terminfo._maxweight, maxweight)
    if terminfo._minid is None:
        terminfo._minid = int(ids[0])
    terminfo._maxid = int(ids[-1])


def value_kind(format_: Any) -> str:
    """What a posting format's values hold: "positions", "frequency" or "none"."""
    if isinstance(format_, Existence):
        return "none"
    if type(format_) is Frequency:
        return "frequency"
    if type(format_) is Positions:
        return "positions"
    raise TypeError(f"searchd's codec does not store postings of {type(format_).__name__}")


def _value_arrays(format_: Any,
                  values: list[bytes]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Frequencies and position deltas of Whoosh-encoded posting values."""
    kind = value_kind(format_)
    if kind == "none":
        return None, None
    if kind == "frequency":
        return np.array([format_.decode_frequency(v) for v in values], dtype=np.uint32), None
    lists = [format_.decode_positions(v) for v in values]
    counts = np.array([len(p) for p in lists], dtype=np.uint32)
    flat = np.array([x for p in lists for x in p], dtype=np.int64)
    return counts, position_deltas(flat, counts)


def position_deltas(positions: np.ndarray, counts: np.ndarray,
                    starts: np.ndarray | None = None) -> np.ndarray:
    """Each posting's positions (flat, counts[i] for posting i, starting at starts[i]) as
    deltas from the position before in the same posting, the first from 0: uint32, made
    in place of positions (a difference across two postings wraps, and is overwritten)."""
    positions = positions.astype(np.uint32, copy=False)
    if starts is None:
        starts = np.cumsum(counts, dtype=np.int64) - counts
    firsts = starts[counts > 0]
    heads = positions[firsts]
    positions[1:] -= positions[:-1].copy()
    positions[firsts] = heads
    return positions


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


class SearchdPerDocWriter(W3PerDocWriter):
    """Whoosh 3's per-document writer, which also keeps every document's field lengths in
    memory: the bulk posting writer takes each block's shortest and longest document from
    them (Whoosh's writer reads each posting's length back from the segment's column)."""

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self.lengths: dict[str, array] = {}

    def add_field(self, fieldname: str, fieldobj: Any, value: Any, length: int) -> None:
        super().add_field(fieldname, fieldobj, value, length)
        if length:
            column = self.lengths.setdefault(fieldname, array("I"))
            column.frombytes(bytes(4 * max(self._docnum + 1 - len(column), 0)))
            column[self._docnum] = length

    def add_vector_spans(self, fieldname: str,
                         spans: dict[str, list[tuple[int, int, int]]]) -> None:
        """A Characters term vector from each term's (position, startchar, endchar) list:
        the blocks Whoosh 3's add_vector_items writes (the codec's blocklimit terms each,
        pickled, level 3), without its per-term writer."""
        if not spans:
            return
        if self._vpostfile is None:
            self._prep_vectors()
        postfile = self._vpostfile
        offset = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        terms = sorted(spans)
        limit, level = self._codec._blocklimit, self._codec._compression
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
            postfile.write(b"".join((_SIZE.pack(-size if last else size), info, data)))
        vecfield = _vecfield(fieldname)
        self.add_column_value(vecfield, VECTOR_COLUMN, offset)
        self.add_column_value(vecfield + "L", VECTOR_LEN_COLUMN, postfile.tell() - offset)

    def field_lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length in fieldname (0 where it has none)."""
        column = np.frombuffer(self.lengths.get(fieldname, array("I")), dtype=np.uint32)
        return np.pad(column, (0, max(self._doccount - len(column), 0)))


def _characters(spans: list[tuple[int, int, int]]) -> bytes:
    """(position, startchar, endchar) triples in Whoosh's Characters encoding."""
    deltas, pos, char = [], 0, 0
    for position, start, end in spans:
        deltas.append((position - pos, start - char, end - start))
        pos, char = position, end
    return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


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
    """Reads ArrayPostingsWriter's blocks: values are decoded only when asked for."""

    def _goto(self, position: int) -> None:
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        raw = self._postfile.get(position, _INT_SIZE + _HEADER.size)
        length = unpack_int(raw[:_INT_SIZE])[0]
        self._lastblock = length < 0
        self._nextoffset = position + _INT_SIZE + abs(length)
        (self._blocklength, self._maxid, self._maxweight, self._compression, low, high,
         self._partsize, *widths) = _HEADER.unpack_from(raw, _INT_SIZE)
        self._widths = (widths[0], widths[1])
        self._dataoffset = position + _INT_SIZE + _HEADER.size
        self._minlength, self._maxlength = byte_to_length(low), byte_to_length(high)

    def _read_data(self) -> None:
        raw = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        part, values = raw[:self._partsize], raw[self._partsize:]
        if self._compression:
            values = zlib.decompress(values)
        self._data = (part, values)

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        idw = self._widths[0]
        deltas = array(_ARRAY_CODES[_ID_TYPES[idw]], self._data[0][:idw * self._blocklength])
        if not _LITTLE:
            deltas.byteswap()
        self._ids = list(accumulate(deltas))

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        idw, weightw = self._widths
        raw = self._data[0][idw * self._blocklength:]
        if weightw == 1:  # whole numbers: Whoosh's weights are floats
            self._weights = array("f", array("B", raw))
            return
        weights = array("f", raw)
        if not _LITTLE:
            weights.byteswap()
        self._weights = weights

    def _read_values(self) -> None:
        """The values in Whoosh's encoding, which its matchers (phrases) decode."""
        if self._data is None:
            self._read_data()
        kind = value_kind(self.format)
        count = self._blocklength
        if kind == "none":
            self._values = (b"",) * count
            return
        counts = np.frombuffer(self._data[1], dtype="<u4", count=count).tolist()
        if kind == "frequency":
            self._values = tuple(pack_uint(c) for c in counts)
            return
        deltas = np.frombuffer(self._data[1], dtype="<u4", offset=4 * count).tolist()
        values, start = [], 0
        for c in counts:
            values.append(pack_uint(c) + pickle.dumps(deltas[start:start + c], 2))
            start += c
        self._values = tuple(values)


Block = tuple[np.ndarray, np.ndarray]  # document numbers (int64), frequencies (uint8/float32)


def posting_blocks(reader: Any, field: str, btext: bytes) -> Iterator[Block] | None:
    """The blocks of a term's postings in a segment reader, deleted documents included;
    None when the segment lacks the term. Blocks written by ArrayPostingsWriter are read
    from the file at once and parsed from memory; others through Whoosh's matcher."""
    found = _posting_list(reader, field, btext)
    if found is None or not isinstance(found, bytes):
        return found
    return ((np.cumsum(deltas, dtype=np.int64), weights)
            for deltas, weights in _array_blocks(found))


def posting_arrays(reader: Any, field: str,
                   btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """A term's document numbers (int32) and weights (float32) in a segment reader,
    deleted documents included; None when the segment lacks the term. (What ranking
    reads: each block decoded straight into the arrays.)"""
    found = _posting_list(reader, field, btext)
    if found is None:
        return None
    if not isinstance(found, bytes):
        ids, weights = zip(*found)
        return np.concatenate(ids).astype(np.int32), np.concatenate(weights)
    parts = list(_array_blocks(found))
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
    return reader._terms._postfile.get(offset + header, length - header)


def _array_blocks(raw: bytes) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The id deltas and weights of each block of one posting list of
    ArrayPostingsWriter's, from its bytes (views of them)."""
    data = memoryview(raw)
    pos = 0
    while pos < len(data):
        size = _SIZE.unpack_from(data, pos)[0]
        start, pos = pos + _SIZE.size, pos + _SIZE.size + abs(size)
        count, *_, idw, weightw = _HEADER.unpack_from(data, start)
        part = start + _HEADER.size
        yield (np.frombuffer(data, dtype=_ID_TYPES[idw], count=count, offset=part),
               np.frombuffer(data, dtype=_WEIGHT_TYPES[weightw], count=count,
                             offset=part + idw * count))
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



_RECORD = struct.Struct("!ii")  # a term index record: key length, value length


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
        need = _RECORD.size
        if len(data) - pos >= need:
            keylen, valuelen = _RECORD.unpack_from(data, pos)
            need += keylen + valuelen
            if len(data) - pos >= need:
                key = pos + _RECORD.size
                yield (data[key + _SHORT_SIZE:key + keylen],
                       _TERMINFO.unpack_from(data, key + keylen)[2])
                pos += need
                continue
        if start >= end:
            return
        size = min(max(chunk, need - (len(data) - pos)), end - start)
        data, pos, start = data[pos:] + dbfile.get(start, size), 0, start + size
