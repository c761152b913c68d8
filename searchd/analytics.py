"""Search analytics: what people search for, and what they do not find.

Privacy first: a search is counted by its normalised text (folded, lowercased, spaces
collapsed) and its day, with its number of results. No address, cookie, user id or time
of day is stored. The counts live in `analytics.sqlite` in the index folder (SQLite in WAL
mode), and are kept for [analytics] days.

Searches never wait for the database: record() puts the search in memory, and a thread of
each process writes what gathered once a second, in one transaction. When the database
cannot be written (locked too long, a full disk), the counts wait for the next round, up to
MAX_PENDING distinct searches; past that, new ones are dropped and the loss is logged. A day
counts at most MAX_QUERIES_A_DAY distinct searches, so the database stays bounded
(about 25 MB a day) whatever is sent.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .analysis.folding import fold
from .errors import SearchdError

if TYPE_CHECKING:
    from .search import Engine

FILE = "analytics.sqlite"
FLUSH_EVERY = 1.0      # seconds between writes of a process's gathered searches
MAX_PENDING = 10_000   # distinct (day, query) counts a process holds while it cannot write
MAX_QUERY_CHARS = 200  # a longer search is counted by its first 200 characters
MAX_QUERIES_A_DAY = 100_000  # distinct searches counted a day (a flood of made-up ones
#                              cannot fill the disk); past them, only those already counted
_BUSY_MS = 2000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    day TEXT NOT NULL, query TEXT NOT NULL, count INTEGER NOT NULL,
    zero INTEGER NOT NULL, results INTEGER NOT NULL, PRIMARY KEY (day, query)
) WITHOUT ROWID;
"""
log = logging.getLogger(__name__)


def normalise(text: str) -> str:
    """A search's text as it is counted: folded (no diacritics), lowercased, spaces
    collapsed, at most MAX_QUERY_CHARS characters."""
    return " ".join(fold(text).lower().split())[:MAX_QUERY_CHARS]


@dataclass(frozen=True)
class Count:
    """A search text and how often it was searched (or found nothing)."""

    query: str
    count: int


@dataclass
class _Pending:
    count: int = 0
    zero: int = 0
    results: int = 0


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=_BUSY_MS / 1000, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(_SCHEMA)
    return conn


class Recorder:
    """Gathers a process's searches and writes them in the background (see the module
    docstring). Start it lazily: the first record() starts the writing thread."""

    def __init__(self, index_dir: Path, days: int) -> None:
        self.path = index_dir / FILE
        self.days = days
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._pruned_on: str | None = None
        self._dropped = 0

    def record(self, text: str, results: int) -> None:
        """Count a search of text that found results documents (never raises)."""
        query = normalise(text)
        if not query:
            return
        key = (date.today().isoformat(), query)
        with self._lock:
            pending = self._pending.get(key)
            if pending is None:
                if len(self._pending) >= MAX_PENDING:
                    self._dropped += 1
                    return
                pending = self._pending[key] = _Pending()
            pending.count += 1
            pending.zero += results == 0
            pending.results = results
            if self._thread is None:
                self._start()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="searchd-analytics",
                                        daemon=True)
        self._thread.start()
        atexit.register(self.stop)

    def _run(self) -> None:
        while not self._stopped.wait(FLUSH_EVERY):
            self.flush()

    def stop(self) -> None:
        """Write what gathered, and stop the thread."""
        self._stopped.set()
        self.flush()

    def flush(self) -> None:
        """Write the gathered counts in one transaction; on failure keep them for the next
        round (never raises)."""
        with self._lock:
            batch, self._pending = self._pending, {}
            dropped, self._dropped = self._dropped, 0
        if dropped:
            log.warning("search analytics: %d searches not counted (the database could not "
                        "be written for a while)", dropped)
        if not batch:
            return
        try:
            with closing(_connect(self.path)) as conn:
                self._write(conn, batch)
        except (sqlite3.Error, OSError) as exc:
            log.warning("search analytics: cannot write %s (%s); will retry", self.path, exc)
            self._keep(batch)

    def _write(self, conn: sqlite3.Connection, batch: dict[tuple[str, str], _Pending]) -> None:
        rows = [(day, query, p.count, p.zero, p.results) for (day, query), p in batch.items()]
        with _transaction(conn):
            days = {day for day, *_ in rows}
            full = {day for day in days if conn.execute(
                "SELECT COUNT(*) FROM searches WHERE day = ?", (day,)).fetchone()[0]
                >= MAX_QUERIES_A_DAY}
            conn.executemany(
                "INSERT INTO searches VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, query) DO "
                "UPDATE SET count = count + excluded.count, zero = zero + excluded.zero, "
                "results = excluded.results", [row for row in rows if row[0] not in full])
            conn.executemany(  # a full day: only the searches it already counts
                "UPDATE searches SET count = count + ?, zero = zero + ?, results = ? "
                "WHERE day = ? AND query = ?",
                [(n, zero, results, day, query) for day, query, n, zero, results in rows
                 if day in full])
            today = date.today().isoformat()
            if self._pruned_on != today:
                conn.execute("DELETE FROM searches WHERE day < ?", (_first_day(self.days),))
                self._pruned_on = today

    def _keep(self, batch: dict[tuple[str, str], _Pending]) -> None:
        """Put a batch that could not be written back with what gathered since."""
        with self._lock:
            for key, old in batch.items():
                pending = self._pending.get(key)
                if pending is None:
                    if len(self._pending) >= MAX_PENDING:
                        self._dropped += old.count
                        continue
                    self._pending[key] = old
                else:
                    pending.count += old.count
                    pending.zero += old.zero


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _first_day(days: int, today: date | None = None) -> str:
    """The first day of the last `days` days (today included), as YYYY-MM-DD."""
    return ((today or date.today()) - timedelta(days=days - 1)).isoformat()


@dataclass(frozen=True)
class Report:
    """The most frequent searches, and the most frequent that found nothing."""

    days: int
    popular: list[Count]
    zero_results: list[Count]


def report(index_dir: Path, days: int, limit: int) -> Report:
    """The top `limit` searches and zero-result searches of the last `days` days."""
    path = index_dir / FILE
    if not path.exists():
        return Report(days, [], [])
    since = _first_day(days)
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True,
                                 timeout=_BUSY_MS / 1000)) as conn:
        popular = conn.execute(
            "SELECT query, SUM(count) AS n FROM searches WHERE day >= ? GROUP BY query "
            "ORDER BY n DESC, query LIMIT ?", (since, limit)).fetchall()
        zero = conn.execute(
            "SELECT query, SUM(zero) AS n FROM searches WHERE day >= ? GROUP BY query "
            "HAVING n > 0 ORDER BY n DESC, query LIMIT ?", (since, limit)).fetchall()
    return Report(days, [Count(q, n) for q, n in popular], [Count(q, n) for q, n in zero])


def synonyms_line(query: str, better: str | None) -> str:
    """What the synonyms file would need for a search that found nothing: a line that
    joins it to the spelling searchd suggests for it, or to a word for the owner to fill
    in (one the documents use)."""
    return f"{query}, {better}" if better and better != query else f"{query}, ..."


def synonyms_lines(engine: Engine, found: Report) -> dict[str, str]:
    """synonyms_line() of each search of found that found nothing, with the spelling the
    engine suggests for it (searched again now: the index may have changed)."""
    lines = {}
    for count in found.zero_results:
        try:
            better = engine.search(count.query, limit=1, snippets=False,
                                   facets=False).suggestion
        except SearchdError:
            better = None
        lines[count.query] = synonyms_line(count.query, better)
    return lines
