"""The owner's sign-in to /beheer: sessions held on the server and throttled attempts.

Kept in one SQLite file in the index folder (SESSIONS_FILE), shared by every worker process:
- a session is a random id (the cookie) of which only a SHA-256 is stored, with its expiry,
  its CSRF token and a fingerprint of the admin token it was opened with; signing out deletes
  it, and a new admin token ends every session (their fingerprint no longer matches). The
  cookie holds nothing derived from the token.
- the fingerprint is PBKDF2 of the token with a random salt kept in the same file: a copy of
  the file does not allow a fast guess of the token.
- failed sign-ins are counted per client and overall over a window; past the limits every
  attempt is refused (429 with Retry-After) before the token is even compared.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import UnavailableError
from .storage import databases
from .storage.databases import damaged, set_aside

log = logging.getLogger("searchd.admin")
SESSIONS_FILE = "admin.sqlite"
SESSION_SECONDS = 12 * 3600
WINDOW = 300.0            # seconds over which failed sign-ins are counted
PER_CLIENT = 5            # failed sign-ins a client may make in the window
OVERALL = 30              # ... and all clients together
_PBKDF2_ROUNDS = 100_000
_BUSY_SECONDS = 5.0       # how long a process waits for another's write
_SCHEMA = """
create table if not exists meta (key text primary key, value text not null);
create table if not exists sessions (
    id text primary key, csrf text not null, expires real not null, token text not null);
create table if not exists failures (client text not null, at real not null);
create index if not exists failures_at on failures (at);
"""


@dataclass(frozen=True)
class Session:
    """A signed-in owner's session: its CSRF token (for the forms' POSTs)."""

    csrf: str


class SessionStore:
    """Sessions and sign-in attempts of one index folder, for one admin token. A store that
    cannot be used (a full disk, a damaged file) raises UnavailableError: a 503 that names
    the cause, never a 500."""

    def __init__(self, index_dir: Path, token: str) -> None:
        self.path = index_dir / SESSIONS_FILE
        self._token = token
        self._fingerprint = ""
        self._salt = ""
        self._lock = threading.Lock()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection to the store, closed after the block. The threads of a process take
        turns (a lock), so that only the processes meet in SQLite's busy wait: twenty threads
        polling it starved one past its timeout on a busy machine. A deleted file is made anew,
        a damaged one set aside."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, closing(databases.connect(self.path, _BUSY_SECONDS)) as db:
                db.executescript(_SCHEMA)  # (reads only, once the tables are there)
                self._salted(db)
                yield db
        except sqlite3.DatabaseError as exc:
            if damaged(exc):  # (sessions end: the owner signs in again)
                log.error("sign-in store: %s", set_aside(self.path, exc))
            raise self._unavailable(exc) from exc
        except (sqlite3.Error, OSError) as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: Exception) -> UnavailableError:
        """The error of a store that cannot be used: its cause in the log, not on the page
        (which anyone may see)."""
        log.error("sign-in store %s cannot be used: %s", self.path, exc)
        return UnavailableError("signing in is not possible right now (the server's sign-in "
                                "store cannot be used; its log says why)", "signin_unavailable")

    def _salted(self, db: sqlite3.Connection) -> None:
        """Read (or make) the store's salt, and the token's fingerprint under it."""
        row = db.execute("select value from meta where key = 'salt'").fetchone()
        if row is None:  # (a new file; written only then)
            db.execute("insert or ignore into meta values ('salt', ?)",
                       (secrets.token_hex(16),))
            row = db.execute("select value from meta where key = 'salt'").fetchone()
        salt = row[0]
        if salt != self._salt:
            self._salt = salt
            self._fingerprint = hashlib.pbkdf2_hmac(
                "sha256", self._token.encode(), salt.encode(), _PBKDF2_ROUNDS).hex()

    def open(self) -> tuple[str, Session]:
        """A new session: (the cookie's value, the session)."""
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = time.time()
        with self._db() as db:
            db.execute("delete from sessions where expires < ?", (now,))
            db.execute("insert into sessions values (?, ?, ?, ?)",
                       (_digest(cookie), csrf, now + SESSION_SECONDS, self._fingerprint))
        return cookie, Session(csrf)

    def find(self, cookie: str | None) -> Session | None:
        """The live session of a cookie, or None."""
        if not cookie or len(cookie) > 128:
            return None
        with self._db() as db:
            row = db.execute("select csrf, expires, token from sessions where id = ?",
                             (_digest(cookie),)).fetchone()
        if row is None or row[1] < time.time() or \
                not hmac.compare_digest(row[2], self._fingerprint):
            return None
        return Session(row[0])

    def close(self, cookie: str | None) -> None:
        """End a session (signing out)."""
        if cookie:
            with self._db() as db:
                db.execute("delete from sessions where id = ?", (_digest(cookie),))

    def attempt(self, client: str, given: str, token: str) -> Attempt:
        """One sign-in of client with the token given: refused unasked while the client (or
        everyone) is throttled, else compared and, when wrong, counted. The check and the
        count are one transaction, so that parallel attempts cannot all pass the check
        before any of them is counted."""
        now = time.time()
        with self._db() as db:
            db.execute("begin immediate")
            try:
                wait = _wait(db, client, now)
                right = not wait and hmac.compare_digest(given.encode(), token.encode())
                if not wait and not right:
                    db.execute("delete from failures where at < ?", (now - WINDOW,))
                    db.execute("insert into failures values (?, ?)", (client, now))
                    wait_now = _wait(db, client, now)
                db.execute("commit")
            except BaseException:
                db.execute("rollback")
                raise
        if wait:
            return Attempt(False, wait, throttled_now=False)
        return Attempt(right, 0, throttled_now=not right and bool(wait_now))


@dataclass(frozen=True)
class Attempt:
    """What a sign-in attempt came to: signed in, or seconds to wait before the next one
    (0: may try again at once); throttled_now when this attempt started a throttled spell."""

    ok: bool
    retry_after: int
    throttled_now: bool = False


def _wait(db: sqlite3.Connection, client: str, now: float) -> int:
    """Seconds until client may try to sign in again (0: now)."""
    mine = db.execute("select count(*), min(at) from failures where client = ? and at > ?",
                      (client, now - WINDOW)).fetchone()
    every = db.execute("select count(*), min(at) from failures where at > ?",
                       (now - WINDOW,)).fetchone()
    waits = [first + WINDOW - now for count, first, most in
             ((mine[0], mine[1], PER_CLIENT), (every[0], every[1], OVERALL))
             if count >= most and first is not None]
    return max(1, int(max(waits)) + 1) if waits else 0


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()

