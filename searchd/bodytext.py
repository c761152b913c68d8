"""Document bodies as the index stores them: compressed in chunks of CHUNK characters, so a
snippet of a 3 MB law decompresses the few kilobytes it shows, not the whole law.

Layout of a packed body: <length in characters, number of chunks> (uint32 each), the
compressed size of every chunk (uint32 each), then the zlib-compressed UTF-8 chunks.
"""

from __future__ import annotations

import struct
import zlib
from itertools import accumulate

CHUNK = 16_384  # characters a chunk
_HEAD = struct.Struct("<II")


def pack(text: str) -> bytes:
    """text, packed for storing."""
    chunks = [zlib.compress(text[i:i + CHUNK].encode("utf-8"), 3)
              for i in range(0, len(text), CHUNK)]
    sizes = struct.pack(f"<{len(chunks)}I", *(len(c) for c in chunks))
    return _HEAD.pack(len(text), len(chunks)) + sizes + b"".join(chunks)


def unpack(packed: bytes) -> str | StoredText:
    """A packed body: as a str when it is one chunk, else as a StoredText (read lazily)."""
    text = StoredText(packed)
    return str(text) if len(text) <= CHUNK else text


class StoredText:
    """A packed body that reads like a str (len, indexing, slicing, str()), decompressing
    only the chunks a read touches (each once)."""

    def __init__(self, packed: bytes) -> None:
        self._packed = packed
        self._length, count = _HEAD.unpack_from(packed) if packed else (0, 0)
        sizes = struct.unpack_from(f"<{count}I", packed, _HEAD.size)
        self._starts = list(accumulate(sizes, initial=_HEAD.size + 4 * count))
        self._chunks: dict[int, str] = {}

    def __len__(self) -> int:
        return self._length

    def __str__(self) -> str:
        return self[0:self._length]

    def __getitem__(self, key: int | slice) -> str:
        if isinstance(key, int):
            index = key + self._length if key < 0 else key
            if not 0 <= index < self._length:
                raise IndexError("text index out of range")
            return self._chunk(index // CHUNK)[index % CHUNK]
        start, stop, step = key.indices(self._length)
        if step != 1:
            raise ValueError("StoredText slices take no step")
        if start >= stop:
            return ""
        first, last = start // CHUNK, (stop - 1) // CHUNK
        text = "".join(self._chunk(i) for i in range(first, last + 1))
        return text[start - first * CHUNK:stop - first * CHUNK]

    def _chunk(self, index: int) -> str:
        """Chunk number index, decompressed."""
        text = self._chunks.get(index)
        if text is None:
            begin, end = self._starts[index], self._starts[index + 1]
            text = zlib.decompress(self._packed[begin:end]).decode("utf-8")
            self._chunks[index] = text
        return text
