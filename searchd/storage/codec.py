"""searchd's Whoosh codec: Whoosh 3's, with posting blocks laid out for ranking (blocks.py).

Whoosh 3 pickles each block of 128 postings as one tuple of document numbers, term
frequencies and positions, so reading the frequencies of a term means decompressing and
unpickling all its positions too: on long documents that is most of the bytes. This codec
writes blocks.py's layout instead and reads it with matchers.py, and term vectors in
vectors.py's; everything else keeps Whoosh 3's format.

Segments remember the codec that wrote them, so an index written by this codec is read by
it too; indexes are rebuilt when schema.SCHEMA_VERSION changes. The classes here override
private methods of Whoosh 2.7.4 (pinned; compat.py checks every name they rely on); tests
compare what they read with Whoosh's own matchers.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import (
    VECTOR_COLUMN,
    VECTOR_LEN_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3PerDocWriter,
    W3PostingsWriter,
    W3TermInfo,
    _vecfield,
)
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from ..schema import WORDS
from . import wordlists
from .blocks import (
    ID_TYPES,
    WEIGHT_TYPES,
    TermPostings,
    block_bytes,
    byte_sized,
    id_widths,
    position_deltas,
    weight_widths,
)
from .matchers import ArrayLeafMatcher, value_kind
from .vectors import Spans, characters_spans, encode_vector

TERMINFO = W3TermInfo._struct  # the term info's statistics, before its extent
WRITE_BYTES = 4 << 20  # posting lists gathered before one write
RECORD_HEAD = struct.Struct("!ii")  # a term index record: key length, value length
VECTOR_LEVEL = 1  # zlib level of term vectors (3 made them 0.5% smaller, 20% slower)
# Each length byte's length (Whoosh's byte_to_length), for numpy.
LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


def length_bytes(lengths: np.ndarray) -> np.ndarray:
    """Whoosh's length byte (length_to_byte) of each of lengths, at once."""
    return np.minimum(np.searchsorted(LENGTH_OF_BYTE, lengths, side="left"), 255) \
        .astype(np.uint8)


class SearchdCodec(W3Codec):  # type: ignore[misc]  # Whoosh has no types
    """Whoosh 3's codec with array posting blocks (see the module docstring) and term
    vectors of vectors.py. Posting blocks hold POSTINGS_BLOCK postings (Whoosh: 128), so
    reading a long posting list takes fewer rounds of Python."""

    POSTINGS_BLOCK = 1024
    POSTINGS_LEVEL = 1  # zlib level of posting values

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        if byteids:  # (Whoosh's vectors; searchd's per-document writer writes its own)
            return super().postings_writer(dbfile, byteids=True)
        return ArrayPostingsWriter(dbfile, blocklimit=self.POSTINGS_BLOCK,
                                   compression=self.POSTINGS_LEVEL,
                                   inlinelimit=self._inlinelimit)

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return SearchdFieldWriter(self, storage, segment)

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


class ArrayPostingsWriter(W3PostingsWriter):  # type: ignore[misc]  # Whoosh has no types
    """Writes blocks as: a header (blocks.HEADER: Whoosh 3's block statistics as a struct, not a
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
        weightw = int(weight_widths(byte_sized(weights).all()))
        part = (deltas.astype(ID_TYPES[idw]).tobytes()
                + weights.astype(WEIGHT_TYPES[weightw]).tobytes())
        self._postfile.write(block_bytes(len(ids), int(ids[-1]), maxweight,
                                         length_to_byte(low), length_to_byte(high), part,
                                         (idw, weightw), values, self._compression, last))
        self._blockcount += 1
        self._new_block()


class SearchdFieldWriter(W3FieldWriter):  # type: ignore[misc]  # Whoosh has no types
    """Whoosh 3's field writer that also writes the segment's word list of the words field
    (wordlists.py): on writer.py's path (write_terms) and on Whoosh's own (merges)."""

    LISTED = WORDS

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self.listing = False  # in the listed field
        self._words: list[bytes] = []
        self._counts: list[int] = []

    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        super().start_field(fieldname, fieldobj)
        self.listing = fieldname == self.LISTED

    def finish_term(self) -> None:  # W3FieldWriter.finish_term, and the word listed
        terminfo = self._postwriter.finish_postings()
        self._tindex.add(pack_ushort(self._fieldid) + self._btext, terminfo.to_bytes())
        if self.listing:
            self.list_word(self._btext, terminfo.doc_frequency())

    def list_word(self, term: bytes, doc_count: int) -> None:
        """Add a term of the listed field (in term order) to the word list."""
        self._words.append(term)
        self._counts.append(doc_count)

    def finish_field(self) -> None:
        super().finish_field()
        self.listing = False

    def close(self) -> None:
        if self._words:
            listed = self._segment.create_file(self._storage, wordlists.EXT)
            listed.write(wordlists.encode(self._words, self._counts))
            listed.close()
            self._words, self._counts = [], []
        super().close()


def write_terms(fieldwriter: Any, name: str, fieldobj: Any,
                terms: Iterable[TermPostings]) -> None:
    """Write a field's encoded posting lists and term infos (terms in order) through a
    Whoosh 3 field writer: the posting lists a few megabytes at a time, the term index
    records in batches (Whoosh writes each with several small writes)."""
    fieldwriter.start_field(name, fieldobj)
    postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
    prefix = pack_ushort(fieldwriter._fieldid)
    offset = postfile.tell()
    pending: list[bytes] = []
    records: list[tuple[bytes, bytes]] = []
    held = 0
    listing = isinstance(fieldwriter, SearchdFieldWriter) and fieldwriter.listing
    for found in terms:
        if listing:
            fieldwriter.list_word(found.term, found.df)
        size = len(WHOOSH3_HEADER_MAGIC) + len(found.blocks)
        pending += (WHOOSH3_HEADER_MAGIC, found.blocks)
        info = TERMINFO.pack(0, found.weight, found.df, found.lowbyte, found.highbyte,
                             found.maxweight, found.minid, found.maxid)
        records.append((prefix + found.term, info + pack_long(offset) + pack_int(size)))
        offset += size
        held += size
        if held > WRITE_BYTES:
            postfile.write(b"".join(pending))
            add_records(tindex, records)
            pending, records, held = [], [], 0
    postfile.write(b"".join(pending))
    add_records(tindex, records)
    fieldwriter.finish_field()


def add_records(tindex: Any, records: list[tuple[bytes, bytes]]) -> None:
    """OrderedHashWriter.add for keys in increasing order, with one write for them all."""
    if not records:
        return
    dbfile, buckets, hashfn = tindex.dbfile, tindex.buckets, tindex.hashfn
    pos, last = dbfile.tell(), tindex.lastkey
    positions, chunks = [], []
    for key, value in records:
        if key <= last:
            raise ValueError(f"keys must increase: {last!r}..{key!r}")
        record = RECORD_HEAD.pack(len(key), len(value)) + key + value
        positions.append(pos)
        chunks.append(record)
        hashed = hashfn(key)
        buckets[hashed & 255].append((hashed, pos))
        pos += len(record)
        last = key
    dbfile.write(b"".join(chunks))
    tindex.index.extend(positions)
    tindex.lastkey = last


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


@dataclass(frozen=True)
class EncodedVector:
    """A document's term vector as vectors.py encoded it, handed from segment to segment by
    a merge (Whoosh's merge passes a matcher along: searchd passes the bytes)."""

    raw: bytes


class SearchdPerDocWriter(W3PerDocWriter):  # type: ignore[misc]  # Whoosh has no types
    """Whoosh 3's per-document writer, which also keeps every document's field lengths in
    memory: the bulk posting writer takes each block's shortest and longest document from
    them (Whoosh's writer reads each posting's length back from the segment's column)."""

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self.lengths: dict[str, array[int]] = {}

    def add_field(self, fieldname: str, fieldobj: Any, value: Any, length: int) -> None:
        super().add_field(fieldname, fieldobj, value, length)
        if length:
            column = self.lengths.setdefault(fieldname, array("I"))
            column.frombytes(bytes(4 * max(self._docnum + 1 - len(column), 0)))
            column[self._docnum] = length

    def add_vector_spans(self, fieldname: str, spans: Spans) -> None:
        """The field's term vector of the current document, from its spans, in vectors.py's
        layout (the bulk writer hands them over: Whoosh analyses the text again)."""
        if not spans:
            return
        self.add_vector_bytes(fieldname, encode_vector(spans, VECTOR_LEVEL))

    def add_vector_matcher(self, fieldname: str, fieldobj: Any, vmatcher: Any) -> None:
        """Whoosh's merge of segments copies each term vector through here: one of
        SearchdPerDocReader.vector is copied as it is."""
        if isinstance(vmatcher, EncodedVector):
            self.add_vector_bytes(fieldname, vmatcher.raw)
        else:
            super().add_vector_matcher(fieldname, fieldobj, vmatcher)

    def add_vector_bytes(self, fieldname: str, raw: bytes) -> None:
        """The current document's term vector of fieldname, encoded."""
        if self._vpostfile is None:
            self._prep_vectors()
        postfile = self._vpostfile
        offset = postfile.tell()
        postfile.write(raw)
        vecfield = _vecfield(fieldname)
        self.add_column_value(vecfield, VECTOR_COLUMN, offset)
        self.add_column_value(vecfield + "L", VECTOR_LEN_COLUMN, postfile.tell() - offset)

    def add_vector_items(self, fieldname: str, fieldobj: Any,
                         items: list[tuple[str, float, bytes]]) -> None:
        """Replaces W3PerDocWriter.add_vector_items (Whoosh's own writer calls it): the
        vector in vectors.py's layout, not Whoosh 3's."""
        self.add_vector_spans(fieldname, characters_spans(fieldobj, items))

    def field_length_bytes(self, fieldname: str) -> np.ndarray:
        """Each document's length in fieldname as a length byte (0 where it has none)."""
        column = np.frombuffer(self.lengths.get(fieldname, array("I")), dtype=np.uint32)
        return length_bytes(np.pad(column, (0, max(self._doccount - len(column), 0))))


class SearchdPerDocReader(W3PerDocReader):  # type: ignore[misc]  # Whoosh has no types
    """Whoosh 3's per-document reader, for term vectors in vectors.py's layout."""

    def vector(self, docnum: int, fieldname: str, format_: Any) -> EncodedVector:
        """Replaces W3PerDocReader.vector, whose matcher cannot read searchd's layout: the
        encoded vector, which only a merge asks for (searchd reads vectors with
        storage.vector_spans), and SearchdPerDocWriter copies."""
        return EncodedVector(self.vector_bytes(docnum, fieldname) or b"")

    def vector_bytes(self, docnum: int, fieldname: str) -> bytes | None:
        """The encoded term vector of a document's field (vectors.py), None if it has none."""
        if self._vpostfile is None:
            self._prep_vectors()
        offset, length = self._vector_extent(docnum, fieldname)
        if not offset:
            return None
        raw: bytes = self._vpostfile.get(offset, length)
        return raw
