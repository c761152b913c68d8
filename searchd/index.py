"""The Whoosh index: schema, the active-index pointer, the manifest and the write lock.

Layout of the index folder:
  CURRENT                 name of the active Whoosh index (replaced atomically on rebuild)
  manifest-<name>.json    what each indexed seed file looked like (checksum, size, times)
  _<name>_*.toc, *.seg    Whoosh's own files
  write.lock              held (flock) by the one process that writes

This is the only module that writes the index.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pickle
import re
import shutil
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, TEXT, Schema
from whoosh.formats import Characters
from whoosh.index import Index

from . import bodytext, failpoints
from .analysis import SurfaceWordsAnalyzer, dutch_analyzer
from .documents import Document
from .errors import IndexLockedError, NoIndexError

CURRENT_FILE = "CURRENT"
LOCK_FILE = "write.lock"
MANIFEST_VERSION = 2
SCHEMA_VERSION = 10  # bump when the schema or the field values change: indexes are rebuilt
LEAD_CHARS = 800
_TOC_TEMP = re.compile(r"_ix[0-9a-f]+_\d+\.toc\.[\d.]+$")


def build_schema(stemmer: str, compounds: bool) -> Schema:
    """The schema: id, title, body and lead (Dutch analysis), date, the words as written
    (for spelling suggestions), and stored display fields (the body packed apart)."""
    analyzer = dutch_analyzer(stemmer, compounds)
    return Schema(
        id=ID(unique=True, stored=True),
        title=TEXT(analyzer=analyzer, stored=True, phrase=True),
        # the body's term vector keeps each term's character spans: snippets and the
        # document page mark matches without analysing the (maybe huge) text again
        body=TEXT(analyzer=analyzer, phrase=True, vector=Characters()),
        # the body text itself, in compressed chunks (bodytext.py): a snippet reads a few
        # kilobytes of a huge document, and the other stored fields stay small
        packed_body=COLUMN(VarBytesColumn()),
        lead=TEXT(analyzer=analyzer, phrase=True),
        # scorable only so that Whoosh keeps a length column: without one it checks the
        # disk for that column once per posting while writing
        words=TEXT(analyzer=SurfaceWordsAnalyzer(), phrase=False),
        # its column gives ranking.py every document's month: date filters, facets, sorting
        date=DATETIME(sortable=True),
        month=ID(stored=True),  # YYYY-MM, for display
        checksum=ID(stored=True),
    )


FIELD_NAMES = sorted(build_schema("dutch_porter", True).names())


TEXT_FIELDS = ("body", "lead", "title", "words")  # analysed from the title and body


def document_fields(doc: Document) -> dict[str, Any]:
    """The Whoosh field values of a Document."""
    return {"title": doc.title, "body": doc.body, "lead": lead(doc.body),
            "words": words_text(doc), **other_fields(doc)}


def words_text(doc: Document) -> str:
    """The text whose words (as written) the words field holds: title and body."""
    return doc.title + "\n" + doc.body


def other_fields(doc: Document) -> dict[str, Any]:
    """The values of the fields other than TEXT_FIELDS."""
    fields: dict[str, Any] = {"id": doc.id, "packed_body": bodytext.pack(doc.body),
                              "checksum": doc.checksum, "month": doc.date}
    if doc.date:
        fields["date"] = datetime(int(doc.date[:4]), int(doc.date[5:7]), 1)
    return fields


def lead(body: str, size: int = LEAD_CHARS) -> str:
    """The opening of a body, where a news article (or a question) says what it is about:
    whole paragraphs up to about size characters, and never more than a third of the body
    (in a short text the lead would only repeat the body). Indexed with a small boost."""
    limit = min(size, len(body) // 3)
    end = body.rfind(" ", 0, limit) if limit < len(body) else len(body)
    return body[: max(end, 0)]


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
    if name is None or not whoosh_index.exists_in(str(index_dir), indexname=name):
        raise NoIndexError(f"no index in {index_dir}")
    try:
        # Without mmap: Whoosh then reads a segment's compound file through one file handle
        # opened with the reader. With mmap it copies each part it opens (stored texts,
        # vectors) into memory, once per searcher: 16 GB of server RSS on nl-laws.
        storage = DurableStorage(str(index_dir), supports_mmap=False)
        ix = storage.open_index(indexname=name)
    except (AttributeError, ImportError, EOFError, pickle.UnpicklingError,
            whoosh_index.IndexError, OSError) as exc:  # e.g. written by another version
        raise NoIndexError(f"the index in {index_dir} cannot be opened ({exc}); "
                           "rebuild it with `searchd index --rebuild`") from exc
    if _field_names(ix) != FIELD_NAMES:
        raise NoIndexError(f"the index in {index_dir} was built by another version of searchd")
    return ix


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
    storage = DurableStorage(str(index_dir))
    return name, storage.create_index(build_schema(stemmer, compounds), indexname=name)


class _TrackedStorage(FileStorage):  # type: ignore[misc]
    """Whoosh's FileStorage, remembering the files it created that are still open, so that
    a failed write can close them (Whoosh does not, when a writer fails while it is being
    made or written: each failed sync of a watcher would leak file handles)."""

    _writing: weakref.WeakSet[Any] = weakref.WeakSet()

    def create_file(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """FileStorage.create_file, remembered until closed."""
        chained = kwargs.pop("onclose", None)

        def onclose(sfile: Any) -> None:
            _TrackedStorage._writing.discard(sfile)
            if chained is not None:
                chained(sfile)
            self._closing(sfile)

        created = super().create_file(name, *args, onclose=onclose, **kwargs)
        _TrackedStorage._writing.add(created)
        return created

    def _closing(self, sfile: Any) -> None:
        """Called as a created file is closed."""

    def temp_storage(self, name: str | None = None) -> Any:
        """FileStorage.temp_storage, tracked too (its files need no fsync)."""
        temp = _TrackedStorage(str(Path(self.folder) / (name or f"{time.time_ns()}.tmp")))
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


class DurableStorage(_TrackedStorage):
    """Whoosh's FileStorage, except that what it writes survives a power cut: every file
    it creates is fsynced when closed, and a rename (Whoosh publishes a commit by renaming
    its new table of contents into place) is preceded and followed by an fsync of the
    folder. So the segment files are on disk before the table of contents that names them,
    and that is on disk before a sync reports success."""

    def _closing(self, sfile: Any) -> None:
        """fsync a created file as it is closed."""
        sfile.file.flush()
        os.fsync(sfile.file.fileno())

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        """FileStorage.rename_file, made durable (the folder fsynced before and after)."""
        _fsync_dir(Path(self.folder))
        super().rename_file(oldname, newname, safe)
        _fsync_dir(Path(self.folder))


def activate(index_dir: Path, name: str) -> None:
    """Make name the active index (atomic and durable), then delete the files of every
    other index."""
    _fsync_dir(index_dir)
    _atomic_write(index_dir / CURRENT_FILE, name + "\n")
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
    _atomic_write(index_dir / f"manifest-{manifest.indexname}.json", text)


def _atomic_write(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
