"""Word lists: every term of one field of a segment with its document count, in term order,
kept as a file of the segment. Spelling suggestions read a segment's words from it in one
read; scanning the term index for them took 1.2 s on 219,000 documents (353,000 words), and
made the first misspelled query of a process (a cold `searchd search`) overrun its budget.

Layout: HEAD (magic, number of words n, bytes of the words), then n + 1 uint32 offsets
(where each word starts in the words; the last is one past the end), n uint32 document
counts, and the words, UTF-8, each followed by a newline (words never hold one).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

EXT = ".wds"
MAGIC = b"SWL1"
HEAD = struct.Struct("<4sII")
_U32 = np.dtype("<u4")


class WordListError(ValueError):
    """A word list file that is not one, or is cut short."""


def encode(words: Sequence[bytes], counts: Sequence[int]) -> bytes:
    """The file of words (in term order) and their document counts."""
    blob = b"".join(word + b"\n" for word in words)
    starts = np.zeros(len(words) + 1, dtype=_U32)
    np.cumsum([len(word) + 1 for word in words], out=starts[1:])
    return b"".join((HEAD.pack(MAGIC, len(words), len(blob)), starts.tobytes(),
                     np.asarray(counts, dtype=_U32).tobytes(), blob))


def decode(data: bytes) -> tuple[bytes, np.ndarray, np.ndarray]:
    """(words with their newlines, offsets, counts) of a word list file."""
    if len(data) < HEAD.size:
        raise WordListError("word list cut short")
    magic, count, size = HEAD.unpack_from(data)
    body = HEAD.size + 4 * (2 * count + 1)
    if magic != MAGIC or len(data) != body + size:
        raise WordListError("not a word list, or cut short")
    starts = np.frombuffer(data, dtype=_U32, count=count + 1, offset=HEAD.size).copy()
    counts = np.frombuffer(data, dtype=_U32, count=count,
                           offset=HEAD.size + 4 * (count + 1)).copy()
    return data[body:], starts, counts
