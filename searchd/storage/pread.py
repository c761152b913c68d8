"""Reading index files with os.pread.

Whoosh reads a part of a segment's compound file through a SubFile that seeks the shared
buffered file and then reads it: four Python calls and two system calls for every posting
list, term-index probe, stored document and term vector a search reads. Here a read is one
os.pread at an absolute offset: 1.1-1.4 us against 4-9 us (bench on a be-kamer-2020
segment), and no file position is shared, so threads cannot move each other's.
"""

from __future__ import annotations

import os
from typing import Any

from whoosh.filedb.structfile import StructFile

READLINE_CHUNK = 256


class PreadFile:
    """A part of a read-only file (offset, length) with a file position of its own; the
    file descriptor is closed by the whole file's object (owner)."""

    def __init__(self, fd: int, offset: int, length: int, owner: bool = False) -> None:
        self._fd, self._offset, self._length, self._owner = fd, offset, length, owner
        self._pos = 0

    def part(self, offset: int, length: int) -> PreadFile:
        """A part of this part (which does not own the descriptor)."""
        return PreadFile(self._fd, self._offset + offset, length)

    def get(self, position: int, length: int) -> bytes:
        """length bytes from position (fewer at the end), the file position unchanged."""
        length = min(length, self._length - position)
        return os.pread(self._fd, length, self._offset + position) if length > 0 else b""

    def read(self, size: int | None = -1) -> bytes:
        """Up to size bytes (the rest when size is None or negative) from the position."""
        rest = self._length - self._pos
        data = self.get(self._pos, rest if size is None or size < 0 else min(size, rest))
        self._pos += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        """The bytes up to and with the next newline (pickle's protocol 0 reads lines)."""
        line = b""
        while size is None or size < 0 or len(line) < size:
            chunk = self.get(self._pos, READLINE_CHUNK)
            end = chunk.find(b"\n") + 1 or len(chunk)
            if size is not None and size >= 0:
                end = min(end, size - len(line))
            line += chunk[:end]
            self._pos += end
            if not chunk or line.endswith(b"\n"):
                break
        return line

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        """Move the position (as a file's seek)."""
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._length}[whence]
        self._pos = base + position
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        """Close the descriptor, if this is the whole file's object."""
        if self._owner:
            self._owner = False
            os.close(self._fd)


class PreadStructFile(StructFile):  # type: ignore[misc]  # Whoosh has no types
    """Whoosh's StructFile over a PreadFile: get() and subset() without seeking."""

    def __init__(self, source: PreadFile, name: str | None = None, onclose: Any = None) -> None:
        super().__init__(source, name=name, onclose=onclose)
        self.source = source

    def get(self, position: int, length: int) -> bytes:
        return self.source.get(position, length)

    def subset(self, offset: int, length: int, name: str | None = None) -> PreadStructFile:
        return PreadStructFile(self.source.part(offset, length), name=name or self._name)


def open_pread(path: str, name: str, **kwargs: Any) -> PreadStructFile:
    """A file of an index, opened for reading with os.pread."""
    fd = os.open(path, os.O_RDONLY)
    try:
        length = os.fstat(fd).st_size
    except OSError:
        os.close(fd)
        raise
    return PreadStructFile(PreadFile(fd, 0, length, owner=True), name=name, **kwargs)
