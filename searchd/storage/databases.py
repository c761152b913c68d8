"""The SQLite files beside the index (search counts, sign-ins): how they are opened in WAL
mode by several processes at once, and what is done with one that is damaged."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from .files import owner_only

RETRY_SECONDS = 0.02


def connect(path: Path, busy_seconds: float) -> sqlite3.Connection:
    """An autocommit connection to the owner-only file at path, in WAL mode. Statements wait
    up to busy_seconds for another process's write; so does the switch to WAL, which SQLite
    does not let wait (it needs the file alone): two processes opening a new file at once made
    one fail with "database is locked"."""
    owner_only(path)
    conn = sqlite3.connect(path, timeout=busy_seconds, isolation_level=None)
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            _retried(conn, "PRAGMA journal_mode = WAL", busy_seconds)
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL: a crash loses nothing committed
    except BaseException:
        conn.close()
        raise
    return conn


def _retried(conn: sqlite3.Connection, statement: str, seconds: float) -> None:
    """Run statement, again while the file is locked, for up to seconds."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn.execute(statement)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or \
                    time.monotonic() > deadline:
                raise
            time.sleep(RETRY_SECONDS)


def damaged(exc: sqlite3.DatabaseError) -> bool:
    """True for the errors of a file that is not (or no longer) a sound database."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.OperationalError) or "malformed" in text or "not a database" in text


def set_aside(path: Path, exc: Exception) -> str:
    """Rename a damaged file (and its journal) out of the way; what happened, in one line."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        for suffix in ("-wal", "-shm"):
            journal = path.with_name(path.name + suffix)
            if journal.exists():
                os.replace(journal, aside.with_name(aside.name + suffix))
        os.replace(path, aside)
    except OSError as move:
        return f"{path} is damaged ({exc}) and cannot be set aside ({move})"
    return f"{path} was damaged ({exc}); set aside as {aside.name}, it starts anew"

