"""What ranking reads of every document of a segment at once: field lengths, months,
deletions, and the BM25F parameters of a field.

Whoosh reads a column one value per document through a column reader; these read a
fixed-width column's bytes in one piece (the column reader's private _dbfile, _basepos and
_count: compat.py checks them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.scoring import BM25F

from .. import months
from .codec import LENGTH_OF_BYTE

LENGTHS = LENGTH_OF_BYTE.astype(np.float64)  # the length each length byte stands for


def segment_key(reader: Any) -> str:
    """What identifies a segment's (immutable) files."""
    return str(reader.segment().segment_id())


def live_documents(reader: Any) -> np.ndarray:
    """True for every document of a segment reader that is not deleted."""
    live = np.ones(reader.doc_count_all(), dtype=bool)
    if reader.has_deletions():
        live[np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)] = False
    return live


def field_length_bytes(reader: Any, field: str) -> np.ndarray:
    """The length byte of field for every document of a segment reader (LENGTHS[b] is the
    length Whoosh scores with; 0 for none)."""
    size = reader.doc_count_all()
    perdoc = reader._perdoc
    if not perdoc.has_column(_lenfield(field)):
        return np.zeros(size, dtype=np.uint8)
    creader = perdoc.column_reader(_lenfield(field), LENGTHS_COLUMN)
    return _fixed_column(creader, "u1", size, 0)


def month_codes(reader: Any, field: str) -> np.ndarray:
    """The month code (months.py) of every document of a segment reader, from its column
    of month codes (NumericColumn "i", big-endian; months.UNDATED where a document has
    no date)."""
    size = reader.doc_count_all()
    if not reader.has_column(field):
        return np.full(size, months.UNDATED, dtype=np.int32)
    creader = reader.column_reader(field, translate=False)
    return _fixed_column(creader, ">i4", size, months.UNDATED).astype(np.int32)


def fingerprints(reader: Any, field: str) -> np.ndarray:
    """The near-duplicate fingerprint (neardup.py) of every document of a segment reader,
    from its column (NumericColumn "Q", big-endian; 0 where a document has none)."""
    size = reader.doc_count_all()
    if not reader.has_column(field):
        return np.zeros(size, dtype=np.uint64)
    creader = reader.column_reader(field, translate=False)
    return _fixed_column(creader, ">u8", size, 0).astype(np.uint64)


def format_codes(reader: Any, field: str) -> np.ndarray:
    """The format number (formats.CODES) of every document of a segment reader, from its
    column (NumericColumn "B"; 0, a seed text, where a document has none)."""
    size = reader.doc_count_all()
    if not reader.has_column(field):
        return np.zeros(size, dtype=np.uint8)
    creader = reader.column_reader(field, translate=False)
    return _fixed_column(creader, "B", size, 0).astype(np.uint8)


def author_codes(reader: Any, field: str) -> np.ndarray:
    """The author number (schema.author_code) of every document of a segment reader, from
    its column (NumericColumn "Q"; 0 where a document names no author)."""
    size = reader.doc_count_all()
    if not reader.has_column(field):
        return np.zeros(size, dtype=np.uint64)
    creader = reader.column_reader(field, translate=False)
    return _fixed_column(creader, ">u8", size, 0).astype(np.uint64)


def _fixed_column(creader: Any, dtype: str, size: int, default: int) -> np.ndarray:
    """Every value of a fixed-width numeric column (documents after the last value
    written hold the column's default)."""
    width = np.dtype(dtype).itemsize
    raw = creader._dbfile.get(creader._basepos, creader._count * width)
    values = np.full(size, default, dtype=np.dtype(dtype).newbyteorder("="))
    values[:creader._count] = np.frombuffer(raw, dtype=dtype)
    return values


def bm25f_parameters(weighting: BM25F, field: str) -> tuple[float, float]:
    """K1 and the field's B (its own, or the weighting's) of a BM25F weighting."""
    return float(weighting.K1), float(weighting._field_B.get(field, weighting.B))
