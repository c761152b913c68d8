"""Follow a seeds folder and sync the index soon after it changes.

File events (inotify through watchdog, or polling where events are unavailable) only note which
files changed; one worker thread syncs once the folder has been quiet for QUIET seconds, or at
the latest MAX_DELAY seconds after the first change, so a copy of a thousand files is one or a
few syncs. Such a sync looks at the noted files alone (on 219,000 documents a check of the
whole folder takes seconds); an event of a folder, or more than MAX_PATHS files, makes it
check the whole folder. A full check every RESCAN seconds catches anything an event missed.

A sync that fails, in any way (a full disk, a folder that vanished, a bug), is logged in one
line and retried after a backoff (1, 2, 4 ... BACKOFF_MAX seconds), so the watcher recovers
by itself once the cause is gone. Its state (ok or failing, the last error, the last
successful sync) is kept in STATUS_FILE in the index folder for `/healthz` to report.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from . import logs
from .config import Config
from .documents import hidden
from .errors import IndexLockedError, SearchdError
from .processes import alive
from .sync import SyncReport, sync_index

log = logging.getLogger(__name__)
sync_log = logging.getLogger("searchd.sync")
QUIET = 0.3
MAX_DELAY = 1.2
RESCAN = 30.0
LOCK_WAIT = 10.0
BACKOFF_MAX = 60.0
MAX_PATHS = 2000  # changed files noted for one sync; past them, the folder is checked
STATUS_FILE = "watcher.json"
STALL_AFTER = 300.0  # seconds a sync may go without progress before it is called stalled
SAVE_EVERY = 5.0     # seconds between saves of a sync's progress
EVENT_TRIES = 3      # attempts to follow the folder by file events before polling
STATUS_BYTES = 8192  # the status file's size (always: see WatchStatus.save)


@dataclass
class WatchStatus:
    """What the watcher last did, for /healthz: "ok" or "failing", since when."""

    state: str = "starting"
    pid: int = 0
    failures: int = 0  # syncs failed in a row
    last_error: str | None = None
    last_error_at: float | None = None
    last_sync_at: float | None = None  # the last successful sync (Unix time)
    retry_in: float | None = None
    skipped: int | None = None  # files the last successful sync skipped
    syncing_since: float | None = None  # a sync under way since (Unix time)
    progress_at: float | None = None  # ... its last sign of progress

    def save(self, index_dir: Path) -> None:
        """Write the status for other processes. It is written in place into a file of
        STATUS_BYTES that keeps its size, so once made it needs no new disk space: on a
        full disk (when a failing sync has most to say) a new file could not be written,
        and /healthz went on reading the last "ok". Losing it costs nothing else."""
        data = json.dumps(asdict(self)).encode("utf-8")
        if len(data) > STATUS_BYTES:
            cut = replace(self, last_error=(self.last_error or "")[:STATUS_BYTES // 4])
            data = json.dumps(asdict(cut)).encode("utf-8")[:STATUS_BYTES]
        try:
            index_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(index_dir / STATUS_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                os.pwrite(fd, data.ljust(STATUS_BYTES), 0)
            finally:
                os.close(fd)
        except OSError:
            pass  # no folder, no file: the log says it all the same


def read_status(index_dir: Path) -> dict[str, Any]:
    """The status a watcher saved in index_dir; "stopped" when its process is gone."""
    status: Any = None
    for _ in range(3):  # a read that met a write half done is read again
        try:
            status = json.loads((index_dir / STATUS_FILE).read_bytes()[:STATUS_BYTES * 2])
            break
        except OSError:
            return {"state": "starting"}
        except ValueError:
            time.sleep(0.001)
    if status is None:
        return {"state": "starting"}
    if not isinstance(status, dict) or not alive(status.get("pid")):
        return {"state": "stopped"}
    progress = status.get("progress_at")
    if status.get("syncing_since") and isinstance(progress, (int, float)) and \
            time.time() - progress > STALL_AFTER:
        status["state"] = "stalled"
        status["last_error"] = (f"a sync has made no progress for {time.time() - progress:.0f}"
                                " s; new documents are not being indexed")
    return status


Reporter = Callable[[SyncReport], None]


class SeedWatcher:
    """Syncs config's index with its seeds folder whenever the folder changes."""

    def __init__(self, config: Config, report: Reporter | None = None,
                 polling: bool = False) -> None:
        self.config = config
        self.report = report or LogReport()
        self.polling = polling
        self.syncs = 0
        self._changed = threading.Event()
        self._stopped = threading.Event()
        self._first_change = 0.0
        self._last_change = 0.0
        self._lock = threading.Lock()
        self._observer = None
        self._thread = threading.Thread(target=self._run, name="searchd-watch", daemon=True)
        self.status = WatchStatus(pid=os.getpid())
        self._retry_at = 0.0
        self._paths: set[str] | None = None  # changed files; None: check the whole folder
        self._rewatch = threading.Event()  # set: start a new observer before the next sync

    def start(self) -> SeedWatcher:
        """Start following the folder (after one sync, so the index starts current)."""
        self._observer = _start_observer(self, self.config, self.polling)
        self._sync()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop following; waits for a running sync to finish."""
        self._stopped.set()
        self._changed.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._thread.is_alive():
            self._thread.join(timeout=60)

    def folder_arrived(self) -> None:
        """Note a folder created or moved in (called from the observer's thread)."""
        self._rewatch.set()
        self.changed()

    def changed(self, paths: Iterable[str] | None = None) -> None:
        """Note a change of the files at paths, or of anything in the folder when None
        (called from the observer's thread)."""
        now = time.monotonic()
        with self._lock:
            if not self._changed.is_set():
                self._first_change = now
                self._paths = set()
            self._last_change = now
            if paths is None or self._paths is None:
                self._paths = None
            else:
                self._paths.update(paths)
                if len(self._paths) > MAX_PATHS:
                    self._paths = None
        self._changed.set()

    def _take_paths(self) -> set[str] | None:
        """The files changed since the last sync (None: check the whole folder); the next
        change starts a new set."""
        with self._lock:
            paths, self._paths = self._paths, None
            self._changed.clear()
        return paths

    def _run(self) -> None:
        """Wait for changes, let bursts settle, sync; rescan now and then; after a failed
        sync, wait out the backoff first."""
        while not self._stopped.is_set():
            backoff = self._retry_at - time.monotonic()
            if backoff > 0:
                self._stopped.wait(backoff)
                continue
            if self.status.failures:  # retry whether or not anything changed
                self._sync()
                continue
            if not self._changed.wait(timeout=RESCAN):
                self._sync()
                continue
            bursting = self._settle()
            if not self._stopped.is_set():
                self._sync(merge=not bursting, paths=self._take_paths())

    def _settle(self) -> bool:
        """Return once changes have paused for QUIET s, or MAX_DELAY s after the first;
        True in the second case (a burst of changes goes on)."""
        while not self._stopped.is_set():
            with self._lock:
                now = time.monotonic()
                quiet_for = now - self._last_change
                waited = now - self._first_change
            if quiet_for >= QUIET or waited >= MAX_DELAY:
                return quiet_for < QUIET
            time.sleep(min(QUIET - quiet_for, MAX_DELAY - waited, QUIET))
        return False

    def _sync(self, merge: bool = True, paths: set[str] | None = None) -> None:
        """One sync (merging segments unless told not to) of the changed files at paths,
        or of the whole folder; whatever goes wrong is logged and retried (with a check of
        the whole folder), never ends the watcher."""
        try:
            self._renew_observer()
            self._started()
            if self.config.clustered:  # every shard on its worker (cluster/build.py)
                from .cluster.build import index_cluster
                report = index_cluster(self.config).total()
            else:
                report = sync_index(self.config, lock_wait=LOCK_WAIT, merge=merge,
                                    paths=paths, progress=self._progressed)
            self.syncs += 1
            self.report(report)
        except IndexLockedError:
            log.warning("index is locked by another writer; will retry")
            self.changed()
            return
        except Exception as exc:  # noqa: BLE001 - a watcher must outlive any failure
            self._measure(False, 0.0)
            self._failed(exc)
            return
        self._measure(True, report.seconds)
        self._succeeded(report)

    def _started(self) -> None:
        """Note that a sync has begun (/healthz calls it stalled if it stops progressing);
        one that waits for the lock of another writer goes on from its first attempt."""
        if self.status.syncing_since is None:
            self.status.syncing_since = self.status.progress_at = time.time()
            self.status.save(self.config.index)

    def _progressed(self, done: int, total: int) -> None:
        """A sync's progress: noted, and saved every SAVE_EVERY s."""
        now = time.time()
        if now - (self.status.progress_at or 0.0) >= SAVE_EVERY:
            self.status.progress_at = now
            self.status.save(self.config.index)

    def _measure(self, ok: bool, seconds: float) -> None:
        """Count the sync in the metrics (metrics.py), if they are on."""
        if self.config.metrics:
            from . import metrics

            metrics.observe_sync(ok, seconds)

    def _failed(self, exc: Exception) -> None:
        """Record a failed sync and schedule the retry."""
        status = self.status
        status.failures += 1
        delay = min(BACKOFF_MAX, 2.0 ** (status.failures - 1))
        message = str(exc) if isinstance(exc, SearchdError) else f"{type(exc).__name__}: {exc}"
        log.error("sync failed: %s; retrying in %g s", message, delay)
        log.debug("sync failure", exc_info=exc)
        status.state, status.last_error, status.last_error_at = "failing", message, time.time()
        status.retry_in = delay
        status.syncing_since = status.progress_at = None
        self._retry_at = time.monotonic() + delay
        status.save(self.config.index)

    def _succeeded(self, report: SyncReport) -> None:
        """Record a successful sync; after failures, follow the folder anew (a seeds folder
        that was gone and is back has lost its file watches)."""
        status = self.status
        if status.failures:
            log.warning("sync works again after %d failed attempts", status.failures)
            self._rewatch.set()
        status.state, status.failures, status.retry_in = "ok", 0, None
        status.syncing_since = status.progress_at = None
        status.skipped = len(report.skipped)
        status.last_sync_at = time.time()
        status.save(self.config.index)

    def _renew_observer(self) -> None:
        """Start a new observer when folders came in (watchdog does not follow a folder
        moved into the tree) or the seeds folder was gone."""
        if not self._rewatch.is_set() or self._stopped.is_set():
            return
        self._rewatch.clear()
        old, self._observer = self._observer, None
        if old is not None:
            old.stop()
            old.join(timeout=5)
        try:
            self._observer = _start_observer(self, self.config, self.polling)
        except (OSError, SearchdError) as exc:  # the folder is gone again: rescans go on
            log.error("cannot follow %s: %s", self.config.seeds, exc)
            self._rewatch.set()


class LogReport:
    """The default reporter: a log line for each sync that changed something, one for each
    warning of a file it read (a bad date, no header line, a text cut short), and one for
    each skipped file when the skipped files differ from the last sync's (not the same bad
    file every 30 s)."""

    def __init__(self) -> None:
        self._skipped: list[tuple[str, str]] = []

    def __call__(self, report: SyncReport) -> None:
        if report.skipped != self._skipped:
            for doc_id, reason in report.skipped:
                logs.event(sync_log, "skipped a seed file", logging.WARNING, file=doc_id,
                           reason=reason)
        self._skipped = list(report.skipped)
        for doc_id, message in report.warnings:  # (only files this sync read: once each)
            logs.event(sync_log, "indexed with a warning", logging.WARNING, file=doc_id,
                       warning=message)
        if report.changed:
            logs.event(sync_log, report.summary(), added=report.added,
                       updated=report.updated, removed=report.removed,
                       unchanged=report.unchanged, skipped=len(report.skipped),
                       seconds=round(report.seconds, 3))


def _start_observer(watcher: SeedWatcher, config: Config, polling: bool) -> Any:
    """Start a watchdog observer on the seeds folder (polling if events are unavailable)."""
    from watchdog import events
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserverVFS

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            paths = [os.fsdecode(event.src_path),
                     os.fsdecode(getattr(event, "dest_path", "") or "")]
            if event.is_directory and event.event_type in ("created", "moved"):
                watcher.folder_arrived()
            elif event.is_directory and event.event_type != "modified":
                watcher.changed()  # a folder deleted or moved away: check everything
            elif any(p and not hidden(os.path.basename(p)) for p in paths):
                watcher.changed([p for p in paths if p])  # (of any format: unsupported
                                                          # ones are named by the sync)

    changes = (events.FileCreatedEvent, events.FileModifiedEvent, events.FileClosedEvent,
               events.FileMovedEvent, events.FileDeletedEvent, events.DirCreatedEvent,
               events.DirMovedEvent, events.DirDeletedEvent)

    def poller() -> Any:  # (a link to a folder is not walked into: two loops grew it to GBs)
        return PollingObserverVFS(stat=_stat_not_into_linked_folders, listdir=os.scandir,
                                  polling_interval=1)

    def started(factory: Any) -> Any:
        observer = factory()
        observer.schedule(Handler(), str(config.seeds), recursive=True,
                          event_filter=list(changes))  # not opened, not read
        observer.start()
        return observer

    # a subfolder that vanishes while the watches are set up fails it once: file events
    # are tried again before polling is taken for good (the inotify watch limit fails
    # every time)
    for attempt in range(0 if polling else EVENT_TRIES):
        try:
            return started(Observer)
        except OSError as exc:
            if exc.errno == errno.ENOENT and config.seeds.is_dir() and \
                    attempt + 1 < EVENT_TRIES:
                continue
            log.warning("file events unavailable (%s); polling instead", exc)
            break
    try:
        return started(poller)
    except OSError as exc:
        raise SearchdError(f"cannot watch {config.seeds} ({exc})") from exc


def _stat_not_into_linked_folders(path: str) -> os.stat_result:
    """os.stat, except that a symbolic link to a folder is described as the link itself, so
    that the polling observer does not walk into it (as the seeds scan does not): two links
    that loop made its snapshot of the folder grow by 55 MB a second."""
    st = os.lstat(path)
    if not stat.S_ISLNK(st.st_mode):
        return st
    target = os.stat(path)
    return st if stat.S_ISDIR(target.st_mode) else target
