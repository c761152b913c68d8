"""Prometheus metrics, added up over gunicorn's worker processes (and the watcher's).

prometheus_client's multiprocess mode keeps each process's figures in files of one folder,
named by PROMETHEUS_MULTIPROC_DIR, which a scrape reads and adds up. `searchd serve`
prepares that folder before any process that records starts (prepare()); prometheus_client
must not be imported before then, so this module imports it only inside functions.

Recorded as they happen: HTTP requests by route and status and their durations, searches and
zero-result searches, syncs by result and their durations. Read at each scrape (facts()):
the index's documents and bytes, the last sync's time and skipped files, the watcher's state.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV = "PROMETHEUS_MULTIPROC_DIR"
_PREPARED = "SEARCHD_METRICS_PREPARED"  # set once a parent process has prepared the folder
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SYNC_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)


@dataclass(frozen=True)
class IndexFacts:
    """What a scrape reports of the index and the watcher (None: unknown, not reported)."""

    documents: int | None
    size_bytes: int | None
    last_sync: float | None  # Unix time
    skipped_files: int | None
    watcher_up: bool


def prepare() -> Path | None:
    """Make the folder of the processes' metric files, emptied of a former run's, and name
    it in the environment that every process started from here inherits: the operator's
    PROMETHEUS_MULTIPROC_DIR, or a temporary folder (removed when this process exits). A
    process whose parent prepared it keeps its parent's. Call it before prometheus_client
    is imported."""
    if os.environ.get(_PREPARED) == "1":
        return Path(os.environ[ENV])
    chosen = os.environ.get(ENV)
    if chosen:
        folder = Path(chosen)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink(missing_ok=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix="searchd-metrics-"))
        atexit.register(_remove, folder, os.getpid())
    os.environ[ENV] = str(folder)
    os.environ[_PREPARED] = "1"
    return folder


def _remove(folder: Path, owner: int) -> None:
    """Remove the temporary folder at the exit of the process that made it (not of a
    forked child)."""
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def process_exited(pid: int) -> None:
    """A worker process ended: let its live gauges go (gunicorn's child_exit hook)."""
    if os.environ.get(ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


@dataclass(frozen=True)
class _Instruments:
    requests: Any
    duration: Any
    searches: Any
    zero_results: Any
    syncs: Any
    sync_duration: Any


_made: list[_Instruments] = []
_making = threading.Lock()


def _new_lock() -> None:
    global _making
    _making = threading.Lock()


os.register_at_fork(after_in_child=_new_lock)


def _instruments() -> _Instruments:
    """The metrics this process records (made on first use, after prepare(); by one
    thread: the first requests of a worker come at once, and prometheus_client refuses a
    metric registered twice). A forked process gets a lock of its own: the parent's may
    have been held by another of its threads."""
    if not _made:
        with _making:
            if not _made:
                _made.append(_make_instruments())
    return _made[0]


def _make_instruments() -> _Instruments:
    from prometheus_client import Counter, Histogram

    return _Instruments(
        Counter("searchd_http_requests", "HTTP requests answered, by route and status.",
                ["route", "status"]),
        Histogram("searchd_http_request_duration_seconds", "Time to answer an HTTP "
                  "request, by route.", ["route"], buckets=DURATION_BUCKETS),
        Counter("searchd_searches", "Search requests (answered from the cache or not)."),
        Counter("searchd_zero_result_searches", "Search requests that found nothing."),
        Counter("searchd_sync", "Syncs of the index with the seeds folder, by result.",
                ["result"]),
        Histogram("searchd_sync_duration_seconds", "Time a sync took.",
                  buckets=SYNC_BUCKETS))


def observe_request(route: str, status: int, seconds: float) -> None:
    """Count one HTTP request."""
    found = _instruments()
    found.requests.labels(route, str(status)).inc()
    found.duration.labels(route).observe(seconds)


def count_search(total: int) -> None:
    """Count one search request and whether it found nothing."""
    found = _instruments()
    found.searches.inc()
    if total == 0:
        found.zero_results.inc()


def observe_sync(ok: bool, seconds: float) -> None:
    """Count one sync."""
    found = _instruments()
    found.syncs.labels("ok" if ok else "failed").inc()
    if ok:
        found.sync_duration.observe(seconds)


def exposition(facts: Callable[[], IndexFacts]) -> tuple[bytes, str]:
    """The text a scrape gets, and its content type: the figures of every process (or of
    this one, outside `searchd serve`), and the facts read now."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_LATEST
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    if os.environ.get(ENV):
        MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(_Facts(facts))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Forward:
    """A collector that yields another registry's metrics."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Any]:
        return iter(self.registry.collect())


class _Facts:
    """A collector of the facts read at each scrape."""

    def __init__(self, facts: Callable[[], IndexFacts]) -> None:
        self.facts = facts

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        found = self.facts()
        gauges = (("searchd_index_documents", "Documents in the active index.",
                   found.documents),
                  ("searchd_index_size_bytes", "Bytes of the active index's files.",
                   found.size_bytes),
                  ("searchd_last_sync_timestamp_seconds", "When the index was last synced "
                   "(Unix time).", found.last_sync),
                  ("searchd_skipped_files", "Seed files the last sync skipped.",
                   found.skipped_files),
                  ("searchd_watcher_up", "1 while the watcher of `serve --watch` runs and "
                   "its syncs succeed.", int(found.watcher_up)))
        for name, help_text, value in gauges:
            if value is not None:
                yield GaugeMetricFamily(name, help_text, value=value)
