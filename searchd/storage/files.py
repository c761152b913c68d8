"""Whoosh's file storage, made durable, and opening or creating a Whoosh index in it.

Overrides of Whoosh 2.7.4's FileStorage (compat.py checks them): create_file, to remember
and fsync what it writes; rename_file, to fsync the folder around the rename that publishes
a commit; temp_storage, so that a writer's temporary files are tracked too; open_file, to
read with os.pread (pread.py).
"""

from __future__ import annotations

import os
import pickle
import time
import weakref
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index

from .pread import open_pread

# What opening an index written by another version (or a damaged one) may raise.
OPEN_ERRORS: tuple[type[BaseException], ...] = (
    AttributeError, ImportError, EOFError, pickle.UnpicklingError, whoosh_index.IndexError,
    OSError)


class TrackedStorage(FileStorage):  # type: ignore[misc]
    """Whoosh's FileStorage, remembering the files it created that are still open, so that
    a failed write can close them (Whoosh does not, when a writer fails while it is being
    made or written: each failed sync of a watcher would leak file handles)."""

    _writing: weakref.WeakSet[Any] = weakref.WeakSet()

    def create_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """FileStorage.create_file, remembered until closed."""
        chained = kwargs.pop("onclose", None)

        def onclose(sfile: Any) -> None:
            TrackedStorage._writing.discard(sfile)
            if chained is not None:
                chained(sfile)
            self.closing(sfile)

        created = super().create_file(name, *args, onclose=onclose, **kwargs)
        TrackedStorage._writing.add(created)
        return created

    def closing(self, sfile: Any) -> None:
        """Called as a created file is closed."""

    def temp_storage(self, name: str | None = None) -> Any:
        """FileStorage.temp_storage, tracked too (its files need no fsync)."""
        temp = TrackedStorage(str(Path(self.folder) / (name or f"{time.time_ns()}.tmp")))
        return temp.create()

    @classmethod
    def abandon(cls) -> None:
        """Close every created file a failed write left open."""
        for sfile in list(cls._writing):
            cls._writing.discard(sfile)
            try:
                sfile.file.close()
            except OSError:
                pass


class DurableStorage(TrackedStorage):
    """Whoosh's FileStorage, except that what it writes survives a power cut: every file
    it creates is fsynced when closed, and a rename (Whoosh publishes a commit by renaming
    its new table of contents into place) is preceded and followed by an fsync of the
    folder. So the segment files are on disk before the table of contents that names them,
    and that is on disk before a sync reports success."""

    def closing(self, sfile: Any) -> None:
        """fsync a created file as it is closed."""
        sfile.file.flush()
        os.fsync(sfile.file.fileno())

    def open_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """FileStorage.open_file, read with os.pread (pread.py) where there is one."""
        if args or not hasattr(os, "pread"):
            return super().open_file(name, *args, **kwargs)
        return open_pread(self._fpath(name), name, **kwargs)

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        """FileStorage.rename_file, made durable (the folder fsynced before and after)."""
        fsync_dir(Path(self.folder))
        super().rename_file(oldname, newname, safe)
        fsync_dir(Path(self.folder))


def exists(folder: Path, name: str) -> bool:
    """True when folder holds a Whoosh index called name (a table of contents of it; not
    read here: Whoosh's exists_in opened the whole index, through a file it left open when
    the index could not be read)."""
    if not folder.is_dir():
        return False
    found: int = whoosh_index.TOC._latest_generation(FileStorage(str(folder)), name)
    return found > -1


def open_whoosh(folder: Path, name: str) -> Index:
    """Open Whoosh index name in folder for reading (OPEN_ERRORS when it cannot be).
    Without mmap: Whoosh then reads a segment's compound file through one file handle
    opened with the reader. With mmap it copies each part it opens (stored texts, vectors)
    into memory, once per searcher: 16 GB of server RSS on nl-laws."""
    storage = DurableStorage(str(folder), supports_mmap=False)
    return storage.open_index(indexname=name)


def create_whoosh(folder: Path, name: str, schema: Schema) -> Index:
    """A new, empty Whoosh index called name in folder, written durably."""
    return DurableStorage(str(folder)).create_index(schema, indexname=name)


def abandon_open_files() -> None:
    """Close the files a failed write left open (see TrackedStorage)."""
    TrackedStorage.abandon()


def fsync_dir(folder: Path) -> None:
    """Make a rename (or a new file) in folder durable."""
    fsync_path(folder)


def fsync_path(path: Path) -> None:
    """fsync a file or folder by its path."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def owner_only(path: Path) -> None:
    """Make path (an empty file if there is none) readable and writable by its owner only:
    the databases of sign-in sessions and of what people searched for (SQLite gives its
    journal files the same mode)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
