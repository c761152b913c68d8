"""What ranking reads of each segment, read once and kept by segment: the postings of a
term (as arrays) and the segment's tables (field lengths, months). Segments never change
once written, so the caches hold across syncs; a bounded LRU keeps them within memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import storage
from .cache import SizedLRU
from .schema import AUTHOR_COLUMN, FINGERPRINT, FORMAT_COLUMN, MONTH_COLUMN, ORDER_COLUMN

CACHED_POSTINGS_BYTES = 12 << 20  # decoded postings kept, with what each entry costs
ENTRY_BYTES = 400  # an entry beyond its arrays: its key, the arrays' objects, the LRU's node
CACHED_SEGMENTS = 64
_ABSENT = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
for _array in _ABSENT:
    _array.setflags(write=False)


# bounded in bytes, absent terms included: counted as one posting each, a stream of made-up
# words kept a million of them (about 900 MB in a server worker)
_postings = SizedLRU(CACHED_POSTINGS_BYTES)
_tables = SizedLRU(CACHED_SEGMENTS)


def clear_caches() -> None:
    """Forget every cached posting list and segment table (the next searches read them
    from the index again, as a new process would)."""
    _postings.clear()
    _tables.clear()


class SegmentTables:
    """What ranking needs to know of every document of one segment, read once: the length
    of each scored field (as Whoosh's length byte), the month of its date and its
    near-duplicate fingerprint."""

    def __init__(self, reader: Any) -> None:
        self.size = reader.doc_count_all()
        self._lengths = {name: storage.field_length_bytes(reader, name)
                         for name, field in reader.schema.items() if field.scorable}
        self.months = storage.month_codes(reader, MONTH_COLUMN)
        self.fingerprints = storage.fingerprints(reader, FINGERPRINT)
        self.formats = storage.format_codes(reader, FORMAT_COLUMN)
        self.authors = storage.author_codes(reader, AUTHOR_COLUMN)
        self.order_keys = storage.author_codes(reader, ORDER_COLUMN)  # (the same 64 bits)

    def length_bytes(self, field: str, ids: np.ndarray) -> np.ndarray:
        """The length bytes of field of documents ids (storage.LENGTHS[b] is the length
        Whoosh scores with)."""
        return self._lengths[field][ids]


def tables(reader: Any) -> SegmentTables:
    """The SegmentTables of a segment reader (read once per segment)."""
    return _tables.get(("tables", storage.segment_key(reader)),
                       lambda: (SegmentTables(reader), 1))


def term_postings(reader: Any, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers and term frequencies of a term in one segment, none when the
    segment lacks it (cached either way)."""
    key = (storage.segment_key(reader), field, btext)
    return _postings.get(key, lambda: _read_postings(reader, field, btext))


def _read_postings(reader: Any, field: str,
                   btext: bytes) -> tuple[tuple[np.ndarray, np.ndarray], int]:
    """(document numbers, frequencies) of a term (one shared empty pair for a term the
    segment lacks) and the bytes the cache entry takes."""
    found = storage.posting_arrays(reader, field, btext)
    if found is None:
        return _ABSENT, ENTRY_BYTES + len(btext)
    return found, ENTRY_BYTES + len(btext) + found[0].nbytes + found[1].nbytes
