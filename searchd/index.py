"""The index folder: the active-index pointer, the manifests and the write lock.

Layout of the index folder:
  CURRENT                 name of the active Whoosh index (replaced atomically on rebuild)
  manifest-<name>.json    what each indexed seed file looked like (checksum, size, times)
  _<name>_*.toc, *.seg    Whoosh's own files
  write.lock              held (flock) by the one process that writes

Whoosh's own files are written through storage/; this module keeps the folder's order.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.index import Index

from . import failpoints
from .errors import IndexLockedError, NoIndexError
from .schema import FIELD_NAMES, SCHEMA_VERSION, build_schema
from .storage import files

CURRENT_FILE = "CURRENT"
LOCK_FILE = "write.lock"
MANIFEST_VERSION = 2
_SCHEMA = re.compile(r'"analysis"\s*:\s*"s([0-9]+):')  # in a manifest
_TOC_TEMP = re.compile(r"_ix[0-9a-f]+_\d+\.toc\.[\d.]+$")


@dataclass
class FileState:
    """What a seed file looked like when it was last synced."""

    checksum: str
    size: int
    mtime_ns: int
    ctime_ns: int
    skipped: str | None = None  # the reason, for a file that could not be indexed

    def same_stat(self, st: os.stat_result) -> bool:
        """True when size and both timestamps are unchanged (content assumed unchanged)."""
        return (self.size, self.mtime_ns, self.ctime_ns) == (st.st_size, st.st_mtime_ns,
                                                             st.st_ctime_ns)


@dataclass
class Manifest:
    """The sync state of one Whoosh index: its analysis settings and every file's state."""

    indexname: str
    analysis: str
    generation: int = -1
    files: dict[str, FileState] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"version": MANIFEST_VERSION, "indexname": self.indexname,
                "analysis": self.analysis, "generation": self.generation,
                "files": {k: [v.checksum, v.size, v.mtime_ns, v.ctime_ns, v.skipped]
                          for k, v in self.files.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """Rebuild a Manifest from to_json() output."""
        files = {k: FileState(*v) for k, v in data["files"].items()}
        return cls(data["indexname"], data["analysis"], data["generation"], files)


def current_indexname(index_dir: Path) -> str | None:
    """The name of the active Whoosh index, or None when there is none."""
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name or None


def open_index(index_dir: Path) -> Index:
    """Open the active index for reading; NoIndexError when there is none."""
    name = current_indexname(index_dir)
    if name is None or not files.exists(index_dir, name):
        raise NoIndexError(f"no index in {index_dir}")
    try:
        ix = files.open_whoosh(index_dir, name)
    except files.OPEN_ERRORS as exc:  # e.g. written by another version
        raise NoIndexError(f"the index in {index_dir} cannot be opened ({exc}); "
                           "rebuild it with `searchd index --rebuild`") from exc
    if _field_names(ix) != FIELD_NAMES or not _current_schema(index_dir, name):
        raise NoIndexError(f"the index in {index_dir} was built by another version of "
                           "searchd; `searchd index` rebuilds it")
    return ix


def _current_schema(index_dir: Path, name: str) -> bool:
    """False when the index's manifest names another SCHEMA_VERSION (its files may be laid
    out otherwise: term vectors changed with version 11). Read from the manifest's head:
    the whole of it lists every file (1.2 s to parse on 219,000 documents), and a search
    opens the index on every change."""
    try:
        with open(index_dir / f"manifest-{name}.json", encoding="utf-8") as fh:
            head = fh.read(4096)
    except OSError:
        return True
    found = _SCHEMA.search(head)
    return found is None or found[1] == str(SCHEMA_VERSION)


def _field_names(ix: Index, attempts: int = 20) -> list[str]:
    """The index's field names. Whoosh reads its newest table of contents for this; a commit
    in another process may delete that file just then (Whoosh's reader() retries the same
    way)."""
    for _ in range(attempts - 1):
        try:
            return sorted(ix.schema.names())
        except FileNotFoundError:
            time.sleep(0.02)
    return sorted(ix.schema.names())


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


def _unfinished(filename: str) -> bool:
    """True for what only a write that never finished leaves: temporary files of ours
    (.CURRENT.<pid>.tmp), Whoosh's temporary folder of a writer (ix<name>.tmp) and its
    table of contents before the rename that publishes it (_ix<name>_<gen>.toc.<time>)."""
    return (filename.startswith(".") and filename.endswith(".tmp")) or \
        (filename.startswith("ix") and filename.endswith(".tmp")) or \
        bool(_TOC_TEMP.match(filename))


def _owner(filename: str) -> str | None:
    """The index name a file in the index folder belongs to, if it is an index file."""
    if filename.startswith("manifest-") and filename.endswith(".json"):
        return filename[len("manifest-"):-len(".json")]
    if filename.startswith("_ix") or filename.startswith("ix"):
        stem = filename.lstrip("_")
        return stem.split("_", 1)[0].split(".", 1)[0]
    return None


def load_manifest(index_dir: Path, name: str) -> Manifest | None:
    """The manifest of index name, or None when it is missing or unreadable."""
    try:
        data = json.loads((index_dir / f"manifest-{name}.json").read_text(encoding="utf-8"))
        return Manifest.from_json(data) if data.get("version") == MANIFEST_VERSION else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_manifest(index_dir: Path, manifest: Manifest) -> None:
    """Write the manifest atomically."""
    text = json.dumps(manifest.to_json(), separators=(",", ":"))
    atomic_write(index_dir / f"manifest-{manifest.indexname}.json", text)


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
