"""searchd's posting blocks, in numpy alone (no Whoosh here: testable by itself).

A posting block keeps its document numbers (delta-coded) and weights (term frequencies) as
raw arrays of the narrowest type that holds them (uint8, uint16 or uint32; uint8 or
float32), never compressed, so ranking reads them with numpy alone; the postings' values
(frequencies, then position deltas) come after them, compressed unless small, and are only
read for phrases and highlighting. The block header is a struct.

Layout of one block: [size: int32, big-endian, negative for a posting list's last block]
[header: _HEADER] [part 1: id deltas, then weights] [part 2: values].
Field lengths in headers are Whoosh's length bytes (a logarithmic code of 0-255); the codec
hands them in already coded.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

# A posting block's header: postings, last id, largest weight, zlib level of the values (0:
# not compressed), shortest and longest field length (length bytes), then the byte length
# of part 1 and the widths of its ids and weights.
HEADER = struct.Struct("<IIfBBBIBB")
ID_TYPES = {1: "<u1", 2: "<u2", 4: "<u4"}  # width of the id deltas -> their type
WEIGHT_TYPES = {1: "<u1", 4: "<f4"}  # width of the weights -> type (uint8: whole numbers)
SIZE = struct.Struct("!i")  # a block's byte length (Whoosh's write_int), < 0 for the last
SMALL_BLOCK = 64  # bytes of values (frequencies, positions) below which they are not compressed
_NO_LENGTH = 1 << 16  # above every length byte: "no document of the block has a length"


def id_widths(largest: Any) -> np.ndarray:
    """Bytes of the narrowest unsigned type that holds a block's id deltas, from the
    largest delta of each block (an array, or one number)."""
    return np.select([largest < 1 << 8, largest < 1 << 16], [1, 2], 4)


def weight_widths(byte_sized: Any) -> np.ndarray:
    """Bytes a block's weights are stored in: 1 (uint8) where all of them are
    byte_sized (term frequencies, nearly always), else 4 (float32)."""
    return np.where(byte_sized, 1, 4)


def byte_sized(weights: np.ndarray) -> np.ndarray:
    """Which weights a uint8 holds exactly: whole numbers from 0 to 255."""
    whole: np.ndarray = (weights == np.round(weights)) & (weights >= 0) & (weights < 256)
    return whole


def block_bytes(count: int, lastid: int, maxweight: float, lowbyte: int, highbyte: int,
                part: bytes, widths: tuple[int, int], values: bytes, level: int,
                last: bool) -> bytes:
    """One posting block in this module's layout, its size prefix included, from
    part 1 (id deltas, then weights, of the widths given) and the values uncompressed
    (frequencies, then each posting's positions as deltas from the one before, the first
    from 0, as Whoosh's Positions format has them)."""
    comp = level if len(values) > SMALL_BLOCK else 0
    if comp:
        values = zlib.compress(values, comp)
    size = HEADER.size + len(part) + len(values)
    header = HEADER.pack(count, lastid, maxweight, comp, lowbyte, highbyte, len(part),
                         *widths)
    return b"".join((SIZE.pack(-size if last else size), header, part, values))


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
    """One term's posting list, encoded: its blocks in this module's layout and
    the statistics of its term info."""

    term: bytes
    blocks: bytes       # without the posting list's header
    last: int           # where its last block begins in blocks
    weight: float       # total weight
    df: int
    lowbyte: int        # length byte of its shortest document (0: the field has no lengths)
    highbyte: int       # and of its longest
    maxweight: float
    minid: int
    maxid: int


def encode_postings(postings: SortedPostings, length_bytes: np.ndarray, blocksize: int,
                    level: int) -> Iterator[TermPostings]:
    """A field's posting lists, term by term, in blocks of blocksize, with the statistics
    of every block computed at once (the per-term loop only slices bytes). length_bytes:
    each document's field length, as a length byte (0 for none)."""
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
    weightws = weight_widths(np.logical_and.reduceat(byte_sized(weights), begins))
    ids_as = {w: deltas.astype(ID_TYPES[w]).tobytes() for w in np.unique(idws).tolist()}
    weights_as = {w: weights.astype(WEIGHT_TYPES[w]).tobytes()
                  for w in np.unique(weightws).tolist()}
    values = b"" if postings.freqs is None else postings.freqs.astype("<u4").tobytes()
    positions = (b"" if postings.deltas is None else  # a view: the biggest array of all
                 memoryview(np.ascontiguousarray(postings.deltas, dtype="<u4").data).cast("B"))
    lens = length_bytes[docs].astype(np.int64)
    low = np.minimum.reduceat(np.where(lens > 0, lens, _NO_LENGTH), begins)
    low[low == _NO_LENGTH] = 0
    stats = zip(begins.tolist(), ends.tolist(), docs[ends - 1].tolist(),
                top_weights.tolist(),
                np.add.reduceat(weights.astype(np.float64), begins).tolist(),
                low.tolist(), np.maximum.reduceat(lens, begins).tolist(),
                (postings.starts[begins] if postings.starts is not None else begins).tolist(),
                (postings.starts[ends] if postings.starts is not None else begins).tolist(),
                idws.tolist(), weightws.tolist())
    minids = docs[postings.firsts[:-1]].tolist()

    def block(stat: tuple[Any, ...], last: bool) -> bytes:
        begin, end, lastid, top, _, short, long_, pbegin, pend, idw, ww = stat
        part = ids_as[idw][idw * begin:idw * end] + weights_as[ww][ww * begin:ww * end]
        held = values[4 * begin:4 * end] + positions[4 * pbegin:4 * pend]
        return block_bytes(end - begin, lastid, top, short, long_, part, (idw, ww), held,
                           level, last)

    for term, count, df, minid in zip(postings.terms, nblocks.tolist(), sizes.tolist(),
                                      minids):
        if count == 1:  # most terms
            stat = next(stats)
            yield TermPostings(term, block(stat, True), 0, 0.0 + stat[4], df,
                               min(_NO_LENGTH, stat[5]), max(0, stat[6]), max(0.0, stat[3]),
                               minid, stat[2])
            continue
        mine = list(islice(stats, count))
        encoded = [block(stat, i == count - 1) for i, stat in enumerate(mine)]
        yield TermPostings(term, b"".join(encoded), sum(map(len, encoded[:-1])),
                           sum((stat[4] for stat in mine), 0.0), df,
                           min(_NO_LENGTH, *(stat[5] for stat in mine)),
                           max(0, *(stat[6] for stat in mine)),
                           max(0.0, *(stat[3] for stat in mine)), minid, mine[-1][2])


def join_postings(parts: list[TermPostings]) -> TermPostings:
    """One term's posting lists from several runs of documents, in document order, as one:
    blocks one after the other (the earlier lists' last blocks no longer marked last)."""
    if len(parts) == 1:
        return parts[0]
    blocks, offset = [], 0
    for part in parts[:-1]:
        size = SIZE.unpack_from(part.blocks, part.last)[0]
        blocks.append(part.blocks[:part.last] + SIZE.pack(-size) + part.blocks[part.last + 4:])
        offset += len(part.blocks)
    last = parts[-1]
    return TermPostings(last.term, b"".join(blocks) + last.blocks, offset + last.last,
                        sum(p.weight for p in parts), sum(p.df for p in parts),
                        min(p.lowbyte for p in parts), max(p.highbyte for p in parts),
                        max(p.maxweight for p in parts), parts[0].minid, last.maxid)


def array_blocks(raw: bytes) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The id deltas and weights of each block of one posting list, from its bytes
    (views of them)."""
    data = memoryview(raw)
    pos = 0
    while pos < len(data):
        size = SIZE.unpack_from(data, pos)[0]
        start, pos = pos + SIZE.size, pos + SIZE.size + abs(size)
        count, *_, idw, weightw = HEADER.unpack_from(data, start)
        part = start + HEADER.size
        yield (np.frombuffer(data, dtype=ID_TYPES[idw], count=count, offset=part),
               np.frombuffer(data, dtype=WEIGHT_TYPES[weightw], count=count,
                             offset=part + idw * count))
        if size < 0:  # the last block
            break


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
