"""Follow a seeds folder and sync the index soon after it changes.

File events (inotify through watchdog, or polling where events are unavailable) only mark the
folder dirty; one worker thread syncs once the folder has been quiet for QUIET seconds, or at
the latest MAX_DELAY seconds after the first change, so a copy of a thousand files is one or a
few syncs. A full check every RESCAN seconds catches anything an event missed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from .config import Config
from .errors import IndexLockedError, SearchdError
from .sync import SyncReport, sync_index

log = logging.getLogger(__name__)
QUIET = 0.3
MAX_DELAY = 1.2
RESCAN = 30.0
LOCK_WAIT = 10.0

Reporter = Callable[[SyncReport], None]


class SeedWatcher:
    """Syncs config's index with its seeds folder whenever the folder changes."""

    def __init__(self, config: Config, report: Reporter | None = None,
                 polling: bool = False) -> None:
        self.config = config
        self.report = report or _log_report
        self.polling = polling
        self.syncs = 0
        self._changed = threading.Event()
        self._stopped = threading.Event()
        self._first_change = 0.0
        self._last_change = 0.0
        self._lock = threading.Lock()
        self._observer = None
        self._thread = threading.Thread(target=self._run, name="searchd-watch", daemon=True)

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

    def changed(self) -> None:
        """Note a change in the folder (called from the observer's thread)."""
        now = time.monotonic()
        with self._lock:
            if not self._changed.is_set():
                self._first_change = now
            self._last_change = now
        self._changed.set()

    def _run(self) -> None:
        """Wait for changes, let bursts settle, sync; rescan now and then."""
        while not self._stopped.is_set():
            if not self._changed.wait(timeout=RESCAN):
                self._sync()
                continue
            self._settle()
            if not self._stopped.is_set():
                self._changed.clear()
                self._sync()

    def _settle(self) -> None:
        """Return once changes have paused for QUIET s, or MAX_DELAY s after the first."""
        while not self._stopped.is_set():
            with self._lock:
                now = time.monotonic()
                quiet_for = now - self._last_change
                waited = now - self._first_change
            if quiet_for >= QUIET or waited >= MAX_DELAY:
                return
            time.sleep(min(QUIET - quiet_for, MAX_DELAY - waited, QUIET))

    def _sync(self) -> None:
        """One sync; errors are reported, never end the watcher."""
        try:
            report = sync_index(self.config, lock_wait=LOCK_WAIT)
        except IndexLockedError:
            log.warning("index is locked by another writer; will retry")
            self._changed.set()
            return
        except SearchdError as exc:
            log.error("sync failed: %s", exc)
            return
        self.syncs += 1
        self.report(report)


def _log_report(report: SyncReport) -> None:
    """Default reporter: log what changed."""
    if report.changed or report.skipped:
        log.info("%s", report.summary())
    for doc_id, reason in report.skipped:
        log.warning("skipped %s: %s", doc_id, reason)


def _start_observer(watcher: SeedWatcher, config: Config, polling: bool):  # type: ignore[no-untyped-def]
    """Start a watchdog observer on the seeds folder (polling if events are unavailable)."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            paths = [str(event.src_path), str(getattr(event, "dest_path", "") or "")]
            if event.is_directory or any(p.endswith(".txt") for p in paths):
                watcher.changed()

    for factory in ([] if polling else [Observer]) + [lambda: PollingObserver(timeout=1)]:
        observer = factory()
        try:
            observer.schedule(Handler(), str(config.seeds), recursive=True)
            observer.start()
            return observer
        except OSError as exc:  # e.g. the inotify watch limit: fall back to polling
            log.warning("file events unavailable (%s); polling instead", exc)
    raise SearchdError(f"cannot watch {config.seeds}")
