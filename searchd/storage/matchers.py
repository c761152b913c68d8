"""Whoosh matchers for searchd's posting blocks (blocks.py) and faster block headers.

Overrides of Whoosh 2.7.4's W3LeafMatcher (compat.py checks the names they rely on):
_goto, which Whoosh uses to move to a block, reads a block header; _read_data, _read_ids,
_read_weights and _read_values decode a block's parts when a matcher first asks for them.
"""

from __future__ import annotations

import pickle
import sys
import zlib
from array import array
from itertools import accumulate
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Existence, Frequency, Positions
from whoosh.system import _INT_SIZE, pack_uint, unpack_int
from whoosh.util.numeric import byte_to_length

from .blocks import HEADER, ID_TYPES

_ARRAY_CODES = {"<u1": "B", "<u2": "H", "<u4": "I", "<f4": "f"}
_LITTLE = sys.byteorder == "little"


def value_kind(format_: Any) -> str:
    """What a posting format's values hold: "positions", "frequency" or "none"."""
    if isinstance(format_, Existence):
        return "none"
    if type(format_) is Frequency:
        return "frequency"
    if type(format_) is Positions:
        return "positions"
    raise TypeError(f"searchd's codec does not store postings of {type(format_).__name__}")


class ArrayLeafMatcher(W3LeafMatcher):  # type: ignore[misc]  # Whoosh has no types
    """Reads ArrayPostingsWriter's blocks: values are decoded only when asked for."""

    # the current block, decoded as far as asked for (None: not yet)
    _data: Any
    _ids: Any
    _weights: Any
    _values: Any

    def _goto(self, position: int) -> None:
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        raw = self._postfile.get(position, _INT_SIZE + HEADER.size)
        length = unpack_int(raw[:_INT_SIZE])[0]
        self._lastblock = length < 0
        self._nextoffset = position + _INT_SIZE + abs(length)
        (self._blocklength, self._maxid, self._maxweight, self._compression, low, high,
         self._partsize, *widths) = HEADER.unpack_from(raw, _INT_SIZE)
        self._widths = (widths[0], widths[1])
        self._dataoffset = position + _INT_SIZE + HEADER.size
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
        deltas = array(_ARRAY_CODES[ID_TYPES[idw]], self._data[0][:idw * self._blocklength])
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
