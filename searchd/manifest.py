"""The manifest of an index: what each seed file looked like when it was last synced.

It is a SQLite database beside the index, `manifest-<index name>.db`, so that a sync reads
and writes only the files it deals with: a watcher that learns of one new file loads and
saves one row, not the state of every file (on 219,000 documents a JSON manifest took 1.2 s
to read and 1 s to write, for every sync). A full check of the folder still reads all rows.

Manifests of searchd before this one were JSON (`manifest-<name>.json`); one is read once
and then written as a database, so an upgrade does not rebuild the index.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
from collections.abc import Collection
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .storage import files

VERSION = 3
_JSON_VERSION = 2  # the last JSON manifest
_JSON_ANALYSIS = re.compile(r'"analysis"\s*:\s*"([^"]*)"')
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, checksum TEXT NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, skipped TEXT) WITHOUT ROWID;
"""
_BUSY_SECONDS = 10.0  # a reader of the meta table waits this long for a writer's commit
_MAX_VARIABLES = 500  # ids bound in one SELECT


class FileState(NamedTuple):
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
    """The sync state of one Whoosh index: its analysis settings and the files' states.

    `files` holds every file's state when `complete`, else only those asked for when it was
    loaded. Changes go through put() and forget(), so that save() writes only them."""

    indexname: str
    analysis: str
    generation: int = -1
    files: dict[str, FileState] = field(default_factory=dict)
    complete: bool = True
    fresh: bool = True  # not saved yet: save() writes every row
    changes: dict[str, FileState | None] = field(default_factory=dict, repr=False)

    def get(self, doc_id: str) -> FileState | None:
        """The state of a file, None when it is unknown (or was not loaded)."""
        return self.files.get(doc_id)

    def put(self, doc_id: str, state: FileState) -> None:
        """Record a file's state."""
        self.files[doc_id] = state
        self.changes[doc_id] = state

    def forget(self, doc_id: str) -> None:
        """Drop a file (deleted, or no longer a document)."""
        self.files.pop(doc_id, None)
        self.changes[doc_id] = None


def path(index_dir: Path, name: str) -> Path:
    """The manifest database of index name."""
    return index_dir / f"manifest-{name}.db"


def load(index_dir: Path, name: str, ids: Collection[str] | None = None) -> Manifest | None:
    """The manifest of index name with every file's state, or only those of ids; None when
    it is missing or unreadable (the index is then checked or rebuilt by the caller)."""
    db = path(index_dir, name)
    if not db.exists():
        return _load_json(index_dir, name)
    try:
        with closing(_connect(db)) as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            if meta.get("version") != VERSION or meta.get("indexname") != name:
                return None
            states = _all_states(conn) if ids is None else _some_states(conn, ids)
    except sqlite3.Error:
        return None
    return Manifest(name, str(meta["analysis"]), int(meta["generation"]), states,
                    complete=ids is None, fresh=False)


def _all_states(conn: sqlite3.Connection) -> dict[str, FileState]:
    """Every file's state."""
    rows = conn.execute("SELECT id, checksum, size, mtime_ns, ctime_ns, skipped FROM files")
    return {row[0]: FileState(*row[1:]) for row in rows}


def _some_states(conn: sqlite3.Connection, ids: Collection[str]) -> dict[str, FileState]:
    """The states of the files of ids that the manifest knows."""
    wanted = list(ids)
    states: dict[str, FileState] = {}
    for start in range(0, len(wanted), _MAX_VARIABLES):
        batch = wanted[start:start + _MAX_VARIABLES]
        marks = ",".join("?" * len(batch))
        rows = conn.execute("SELECT id, checksum, size, mtime_ns, ctime_ns, skipped FROM "
                            f"files WHERE id IN ({marks})", batch)
        states.update((row[0], FileState(*row[1:])) for row in rows)
    return states


def _load_json(index_dir: Path, name: str) -> Manifest | None:
    """A manifest written by searchd before the database (complete, to be saved anew)."""
    try:
        data = json.loads(_json_path(index_dir, name).read_text(encoding="utf-8"))
        if data.get("version") != _JSON_VERSION:
            return None
        states = {k: FileState(*v) for k, v in data["files"].items()}
        return Manifest(data["indexname"], data["analysis"], data["generation"], states)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _json_path(index_dir: Path, name: str) -> Path:
    return index_dir / f"manifest-{name}.json"


def save(index_dir: Path, manifest: Manifest) -> None:
    """Write what changed (everything, for a manifest never saved) in one durable
    transaction."""
    db = path(index_dir, manifest.indexname)
    try:
        with closing(_connect(db)) as conn:
            _write(conn, manifest)
    except sqlite3.Error as exc:  # a full disk, most likely: as any failed write
        raise OSError(errno.EIO, f"cannot write the manifest ({exc})", str(db)) from exc
    if manifest.fresh:  # SQLite syncs what it commits; a new file's folder entry is ours
        files.fsync_path(db)
        files.fsync_dir(index_dir)
        _json_path(index_dir, manifest.indexname).unlink(missing_ok=True)
    manifest.fresh = False
    manifest.changes.clear()


def _write(conn: sqlite3.Connection, manifest: Manifest) -> None:
    """The rows and meta data of save(), in one transaction."""
    conn.execute("PRAGMA synchronous = FULL")
    if manifest.fresh:
        conn.executescript(_SCHEMA)
    with conn:  # committed whole or not at all
        if manifest.fresh:
            conn.execute("DELETE FROM files")
            _write_rows(conn, manifest.files.items())
        else:
            conn.executemany("DELETE FROM files WHERE id = ?",
                             [(k,) for k, v in manifest.changes.items() if v is None])
            _write_rows(conn, [(k, v) for k, v in manifest.changes.items() if v])
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
            ("version", VERSION), ("indexname", manifest.indexname),
            ("analysis", manifest.analysis), ("generation", manifest.generation)])


def _write_rows(conn: sqlite3.Connection, rows: Collection[tuple[str, FileState]]) -> None:
    conn.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                     ((k, *v) for k, v in rows))


def analysis(index_dir: Path, name: str) -> str | None:
    """The analysis key the manifest of index name records (cheap: one row, or the head of
    a JSON manifest); None when there is no readable manifest."""
    db = path(index_dir, name)
    try:
        if not db.exists():
            with open(_json_path(index_dir, name), encoding="utf-8") as fh:
                found = _JSON_ANALYSIS.search(fh.read(4096))
            return found[1] if found else None
        with closing(_connect(db, readonly=True)) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'analysis'").fetchone()
    except (OSError, sqlite3.Error):
        return None
    return str(row[0]) if row else None


def _connect(db: Path, readonly: bool = False) -> sqlite3.Connection:
    """A connection to a manifest database (autocommit off; `with conn` commits)."""
    if readonly:
        return sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=_BUSY_SECONDS)
    return sqlite3.connect(db, timeout=_BUSY_SECONDS)


def copy(index_dir: Path, name: str, target_dir: Path, new_name: str) -> None:
    """Copy the manifest of index name to target_dir as the manifest of index new_name
    (SQLite's online backup: a consistent copy, page by page)."""
    target = path(target_dir, new_name)
    try:
        with closing(_connect(path(index_dir, name), readonly=True)) as source, \
                closing(_connect(target)) as copied:
            source.backup(copied)
            with copied:
                copied.execute("UPDATE meta SET value = ? WHERE key = 'indexname'", (new_name,))
    except sqlite3.Error as exc:
        raise OSError(errno.EIO, f"cannot copy the manifest ({exc})", str(target)) from exc
    files.fsync_path(target)
