"""The index folder: the active-index pointer, the manifests and the write lock.

Layout of the index folder:
  CURRENT                 name of the active Whoosh index (replaced atomically on rebuild)
  manifest-<name>.db      what each indexed seed file looked like (manifest.py)
  _<name>_*.toc, *.seg    Whoosh's own files
  write.lock              held (flock) by the one process that writes

Whoosh's own files are written through storage/; this module keeps the folder's order.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.index import Index

from . import failpoints, manifest
from .errors import IndexLockedError, NoIndexError
from .schema import FIELD_NAMES, SCHEMA_VERSION, build_schema
from .storage import files

CURRENT_FILE = "CURRENT"
LOCK_FILE = "write.lock"
_SCHEMA = re.compile(r"s([0-9]+):")  # the head of a manifest's analysis key
_TOC_TEMP = re.compile(r"_ix[0-9a-f]+_\d+\.toc\.[\d.]+$")


def current_indexname(index_dir: Path) -> str | None:
    """The name of the active Whoosh index, or None when there is none."""
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name or None


def open_index(index_dir: Path, attempts: int = 20) -> Index:
    """Open the active index for reading; NoIndexError when there is none. Whoosh finds the
    newest table of contents and then reads it (for the index, and again for its schema);
    a commit in another process may replace it in between (a watcher's syncs come often),
    so a file found missing is looked for again, as Whoosh's reader() does."""
    for _ in range(attempts - 1):
        try:
            return _open_active(index_dir)
        except FileNotFoundError:
            time.sleep(0.02)
    try:
        return _open_active(index_dir)
    except FileNotFoundError as exc:
        raise NoIndexError(f"the index in {index_dir} cannot be opened ({exc})") from exc


def _open_active(index_dir: Path) -> Index:
    """open_index's work, once; FileNotFoundError when a commit removed a file meanwhile."""
    name = current_indexname(index_dir)
    if name is None or not files.exists(index_dir, name):
        raise NoIndexError(f"no index in {index_dir}")
    try:
        ix = files.open_whoosh(index_dir, name)
    except FileNotFoundError:
        raise
    except files.OPEN_ERRORS as exc:  # e.g. written by another version
        raise NoIndexError(f"the index in {index_dir} cannot be opened ({exc}); "
                           "rebuild it with `searchd index --rebuild`") from exc
    if sorted(ix.schema.names()) != FIELD_NAMES or not _current_schema(index_dir, name):
        raise NoIndexError(f"the index in {index_dir} was built by another version of "
                           "searchd; `searchd index` rebuilds it")
    return ix


def _current_schema(index_dir: Path, name: str) -> bool:
    """False when the index's manifest names another SCHEMA_VERSION (its files may be laid
    out otherwise: term vectors changed with version 11). A search opens the index on
    every change, so this reads one row of the manifest, not all of it."""
    key = manifest.analysis(index_dir, name)
    found = _SCHEMA.match(key or "")
    return found is None or found[1] == str(SCHEMA_VERSION)


def create_index(index_dir: Path, stemmer: str, compounds: bool) -> tuple[str, Index]:
    """Create a new, empty, not yet active Whoosh index beside the current one."""
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"ix{time.time_ns():x}"
    return name, files.create_whoosh(index_dir, name, build_schema(stemmer, compounds))


def activate(index_dir: Path, name: str) -> None:
    """Make name the active index (atomic and durable), then delete the files of every
    other index."""
    files.fsync_dir(index_dir)
    atomic_write(index_dir / CURRENT_FILE, name + "\n")
    failpoints.reached("rebuild:activated")
    remove_other_indexes(index_dir, keep=name)


def remove_other_indexes(index_dir: Path, keep: str | None) -> None:
    """Delete the files, folders and manifests of indexes other than keep, and temporary
    files of writes that never finished: what a rebuild or sync killed at any moment
    leaves behind. Call it holding the write lock."""
    for path in index_dir.iterdir():
        owner = _owner(path.name)
        if _unfinished(path.name) or (owner is not None and owner != keep):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def last_sync(index_dir: Path) -> float | None:
    """When the active index was last written (its newest table of contents), as a Unix
    time; None without one."""
    name = current_indexname(index_dir)
    if name is None:
        return None
    times = [p.stat().st_mtime for p in index_dir.glob(f"_{name}_*.toc")]
    return max(times, default=None)


def index_size(index_dir: Path, name: str) -> int:
    """Bytes of the files of index name (its manifest included)."""
    total = 0
    with os.scandir(index_dir) as entries:
        for entry in entries:
            if _owner(entry.name) == name and not _unfinished(entry.name):
                try:
                    total += entry.stat(follow_symlinks=False).st_size
                except OSError:
                    pass  # deleted by a commit meanwhile
    return total


def _unfinished(filename: str) -> bool:
    """True for what only a write that never finished leaves: temporary files of ours
    (.CURRENT.<pid>.tmp), Whoosh's temporary folder of a writer (ix<name>.tmp) and its
    table of contents before the rename that publishes it (_ix<name>_<gen>.toc.<time>)."""
    return (filename.startswith(".") and filename.endswith(".tmp")) or \
        (filename.startswith("ix") and filename.endswith(".tmp")) or \
        bool(_TOC_TEMP.match(filename))


def _owner(filename: str) -> str | None:
    """The index name a file in the index folder belongs to, if it is an index file."""
    if filename.startswith("manifest-"):  # .db, .db-journal, or .json of old
        return filename[len("manifest-"):].split(".", 1)[0]
    if filename.startswith("_ix") or filename.startswith("ix"):
        stem = filename.lstrip("_")
        return stem.split("_", 1)[0].split(".", 1)[0]
    return None


def atomic_write(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    files.fsync_dir(path.parent)


@contextmanager
def write_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's write lock; the OS drops it if the process dies."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, wait)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _acquire(fd: int, wait: float) -> None:
    """flock fd, retrying until wait seconds have passed."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() >= deadline:
                raise IndexLockedError("another process is writing the index") from None
            time.sleep(0.05)
