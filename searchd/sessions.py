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
import secrets
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

SESSIONS_FILE = "admin.sqlite"
SESSION_SECONDS = 12 * 3600
WINDOW = 300.0            # seconds over which failed sign-ins are counted
PER_CLIENT = 5            # failed sign-ins a client may make in the window
OVERALL = 30              # ... and all clients together
_PBKDF2_ROUNDS = 100_000
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
    """Sessions and sign-in attempts of one index folder, for one admin token."""

    def __init__(self, index_dir: Path, token: str) -> None:
        self.path = index_dir / SESSIONS_FILE
        index_dir.mkdir(parents=True, exist_ok=True)
        with closing(self._db()) as db:
            db.executescript(_SCHEMA)
            db.execute("insert or ignore into meta values ('salt', ?)", (secrets.token_hex(16),))
            salt = db.execute("select value from meta where key = 'salt'").fetchone()[0]
        self._fingerprint = hashlib.pbkdf2_hmac("sha256", token.encode(), salt.encode(),
                                                _PBKDF2_ROUNDS).hex()

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        db.execute("pragma journal_mode = wal")
        return db

    def open(self) -> tuple[str, Session]:
        """A new session: (the cookie's value, the session)."""
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = time.time()
        with closing(self._db()) as db:
            db.execute("delete from sessions where expires < ?", (now,))
            db.execute("insert into sessions values (?, ?, ?, ?)",
                       (_digest(cookie), csrf, now + SESSION_SECONDS, self._fingerprint))
        return cookie, Session(csrf)

    def find(self, cookie: str | None) -> Session | None:
        """The live session of a cookie, or None."""
        if not cookie or len(cookie) > 128:
            return None
        with closing(self._db()) as db:
            row = db.execute("select csrf, expires, token from sessions where id = ?",
                             (_digest(cookie),)).fetchone()
        if row is None or row[1] < time.time() or \
                not hmac.compare_digest(row[2], self._fingerprint):
            return None
        return Session(row[0])

    def close(self, cookie: str | None) -> None:
        """End a session (signing out)."""
        if cookie:
            with closing(self._db()) as db:
                db.execute("delete from sessions where id = ?", (_digest(cookie),))

    def retry_after(self, client: str) -> int:
        """Seconds until client may try to sign in again (0: now)."""
        now = time.time()
        with closing(self._db()) as db:
            mine = db.execute("select count(*), min(at) from failures where client = ? and "
                              "at > ?", (client, now - WINDOW)).fetchone()
            every = db.execute("select count(*), min(at) from failures where at > ?",
                               (now - WINDOW,)).fetchone()
        waits = [first + WINDOW - now for count, first, most in
                 ((mine[0], mine[1], PER_CLIENT), (every[0], every[1], OVERALL))
                 if count >= most and first is not None]
        return max(1, int(max(waits)) + 1) if waits else 0

    def failed(self, client: str) -> None:
        """Count a failed sign-in of client."""
        now = time.time()
        with closing(self._db()) as db:
            db.execute("delete from failures where at < ?", (now - WINDOW,))
            db.execute("insert into failures values (?, ?)", (client, now))

    def check_token(self, given: str, token: str) -> bool:
        """True when given is the admin token (compared in constant time)."""
        return hmac.compare_digest(given.encode(), token.encode())


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()
