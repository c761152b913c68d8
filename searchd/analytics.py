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
whatever is sent.

Reports stay fast at those limits: a report adds up each day's TOP_A_DAY most frequent
searches (and zero-result searches), read through an index on (day, count), never a
GROUP BY over every row of the window. Once a day is two days old, its top lists are kept
as a summary and its other rows are deleted, so the file holds two days of rows and small
summaries (a few MB, not 22 MB a day at the cap). A search outside a day's top TOP_A_DAY
counts for nothing that day: the totals are exact for every search that was among the
TOP_A_DAY of each day it was made. A damaged file is set aside (renamed, with its
journal) and counting starts anew; the report says so.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .analysis.folding import fold
from .errors import SearchdError
from .storage import databases
from .storage.databases import damaged, set_aside

if TYPE_CHECKING:
    from .search import Engine

FILE = "analytics.sqlite"
FLUSH_EVERY = 1.0      # seconds between writes of a process's gathered searches
WARN_EVERY = 60.0      # seconds between two log lines of writes that keep failing
MAX_PENDING = 10_000   # distinct (day, query) counts a process holds while it cannot write
MAX_QUERY_CHARS = 200  # a longer search is counted by its first 200 characters
MAX_QUERIES_A_DAY = 100_000  # distinct searches counted a day (a flood of made-up ones
#                              cannot fill the disk); past them, only those already counted
TOP_A_DAY = 1000       # searches (and zero-result searches) of a day that a report adds up
_BUSY_MS = 2000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    day TEXT NOT NULL, query TEXT NOT NULL, count INTEGER NOT NULL,
    zero INTEGER NOT NULL, results INTEGER NOT NULL, PRIMARY KEY (day, query)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS searches_by_count ON searches (day, count);
CREATE INDEX IF NOT EXISTS searches_by_zero ON searches (day, zero);
CREATE TABLE IF NOT EXISTS summaries (
    day TEXT NOT NULL, kind TEXT NOT NULL, query TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (day, kind, query)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS summarised (day TEXT PRIMARY KEY) WITHOUT ROWID;
"""
_KINDS = {"count": "searches_by_count", "zero": "searches_by_zero"}
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
    conn = databases.connect(path, _BUSY_MS / 1000)
    conn.execute("PRAGMA journal_size_limit = 4194304")  # a day's deletions grew the WAL
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
        self._failing_since: float | None = None  # writes failing since (monotonic s)
        self._warned_at: float | None = None
        self._lost = 0  # searches not counted and not yet logged

    def record(self, text: str, results: int | None) -> None:
        """Count a search of text that found results documents (None: not known to have
        found nothing; never raises). A text without a letter or digit is not counted."""
        query = normalise(text)
        if not any(c.isalnum() for c in query):
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
            if results is not None:
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
        self._lost += dropped
        if self._lost and (self._warned_at is None or
                           time.monotonic() - self._warned_at >= WARN_EVERY):
            log.warning("search analytics: %d searches not counted (the database could not "
                        "be written for a while)", self._lost)
            self._lost, self._warned_at = 0, time.monotonic()
        if not batch:
            return
        try:
            with closing(_connect(self.path)) as conn:
                self._write(conn, batch)
        except sqlite3.DatabaseError as exc:
            self._keep(batch)
            if not damaged(exc):
                self._cannot_write(exc)
                return
            log.error("search analytics: %s", set_aside(self.path, exc))
        except (sqlite3.Error, OSError) as exc:
            self._keep(batch)
            self._cannot_write(exc)
        else:
            if self._failing_since is not None:
                log.warning("search analytics: %s is written again", self.path)
                self._failing_since = self._warned_at = None

    def _cannot_write(self, exc: Exception) -> None:
        """Log a failed write: the first at once, then one line per WARN_EVERY s while it
        goes on (a full disk made a line every second)."""
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        if self._warned_at is None or now - self._warned_at >= WARN_EVERY:
            since = now - self._failing_since
            log.warning("search analytics: cannot write %s (%s)%s; will retry", self.path, exc,
                        f" for {since:.0f} s" if since >= 1 else "")
            self._warned_at = now

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
                first = _first_day(self.days)
                for table in ("searches", "summaries", "summarised"):
                    conn.execute(f"DELETE FROM {table} WHERE day < ?", (first,))
                _summarise(conn, _first_day(2))
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


def _summarise(conn: sqlite3.Connection, before: str) -> None:
    """Keep the top lists of every day before `before` not summarised yet, and delete its
    other rows (no search of that day is still on its way by then)."""
    days = [day for (day,) in conn.execute(
        "SELECT DISTINCT day FROM searches WHERE day < ? AND day NOT IN "
        "(SELECT day FROM summarised)", (before,)).fetchall()]
    for day in days:
        for kind in _KINDS:
            conn.executemany("INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?)",
                             [(day, kind, query, n) for query, n in _day_top(conn, day, kind)])
        conn.execute("DELETE FROM searches WHERE day = ?", (day,))
        conn.execute("INSERT OR IGNORE INTO summarised VALUES (?)", (day,))


def _day_top(conn: sqlite3.Connection, day: str, kind: str) -> list[tuple[str, int]]:
    """The TOP_A_DAY searches of one day's rows by kind ("count" or "zero"), through the
    index on (day, kind)."""
    return conn.execute(
        f"SELECT query, {kind} FROM searches INDEXED BY {_KINDS[kind]} WHERE day = ? AND "
        f"{kind} > 0 ORDER BY {kind} DESC LIMIT ?", (day, TOP_A_DAY)).fetchall()


@dataclass(frozen=True)
class Report:
    """The most frequent searches, and the most frequent that found nothing; problem: why
    there are none to show (a damaged file), if so."""

    days: int
    popular: list[Count]
    zero_results: list[Count]
    problem: str | None = None


def report(index_dir: Path, days: int, limit: int) -> Report:
    """The top `limit` searches and zero-result searches of the last `days` days (module
    docstring: each day's TOP_A_DAY added up)."""
    path = index_dir / FILE
    if not path.exists():
        return Report(days, [], [])
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True,
                                     timeout=_BUSY_MS / 1000)) as conn:
            totals = {kind: _window_totals(conn, _first_day(days), kind) for kind in _KINDS}
    except sqlite3.DatabaseError as exc:
        if not damaged(exc):
            raise SearchdError(f"cannot read the search analytics in {path}: {exc}") from exc
        return Report(days, [], [], problem=set_aside(path, exc))
    return Report(days, _top(totals["count"], limit), _top(totals["zero"], limit))


def _window_totals(conn: sqlite3.Connection, since: str, kind: str) -> Counter[str]:
    """Per search, its kind's total over the days from `since`: summaries where a day has
    one, the day's top rows otherwise."""
    totals: Counter[str] = Counter()
    for query, n in conn.execute("SELECT query, n FROM summaries WHERE day >= ? AND kind = ?",
                                 (since, kind)):
        totals[query] += n
    days = [day for (day,) in conn.execute(
        "SELECT DISTINCT day FROM searches WHERE day >= ?", (since,)).fetchall()]
    for day in days:
        for query, n in _day_top(conn, day, kind):
            totals[query] += n
    return totals


def _top(totals: Counter[str], limit: int) -> list[Count]:
    """The limit largest totals, ties by text."""
    ranked = sorted(totals.items(), key=lambda qn: (-qn[1], qn[0]))[:limit]
    return [Count(query, n) for query, n in ranked]


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
