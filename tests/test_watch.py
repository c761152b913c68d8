"""Live reindexing: the watcher, a server that picks up changes, concurrency, crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from searchd.config import Config
from searchd.search import Engine
from searchd.sync import SyncReport, sync_index
from searchd.watch import SeedWatcher

from .server import SEARCHD, running_server, searchd

pytestmark = pytest.mark.server  # starts servers or watchers: not in `make check`


def eventually(check: Callable[[], bool], deadline: float = 10.0) -> float:
    """Wait until check() is true; the seconds it took (fails after the deadline)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > deadline:
            pytest.fail(f"condition not met within {deadline} s")
        time.sleep(0.05)
    return time.monotonic() - started


def found(config: Config, query: str) -> set[str]:
    return {h.id for h in Engine(config).search(query).hits}


@pytest.mark.parametrize("polling", [False, True], ids=["events", "polling"])
def test_watcher_follows_add_change_delete(built: Config, seeds: Path, polling: bool) -> None:
    watcher = SeedWatcher(built, polling=polling).start()
    try:
        (seeds / "olifant.txt").write_text(" date 2018-01 Dier\n\nEen olifant.")
        assert eventually(lambda: found(built, "olifant") == {"olifant.txt"}) < 5
        (seeds / "olifant.txt").write_text(" date 2018-01 Dier\n\nEen giraf.")
        eventually(lambda: found(built, "giraf") == {"olifant.txt"})
        (seeds / "olifant.txt").unlink()
        eventually(lambda: found(built, "giraf") == set())
    finally:
        watcher.stop()
    assert not sync_index(built).changed


def test_the_watcher_syncs_the_files_it_was_told_of(built: Config, seeds: Path) -> None:
    """A file event leads to a sync of that file alone (no check of the whole folder);
    a folder that goes away, to a check of everything."""
    reports: list[SyncReport] = []
    watcher = SeedWatcher(built, report=reports.append).start()
    try:
        (seeds / "olifant.txt").write_text(" date 2018-01 Dier\n\nEen olifant.")
        eventually(lambda: found(built, "olifant") == {"olifant.txt"})
        eventually(lambda: any(r.added for r in reports))  # (reported after the commit)
        assert [(r.added, r.unchanged) for r in reports if r.added] == [(1, 0)]
        (seeds / "sub" / "begroting.txt").rename(seeds / "begroting.txt")
        (seeds / "sub").rmdir()
        seen = len(reports)
        eventually(lambda: any(r.unchanged >= 4 for r in reports[seen:]))
        assert found(built, "begroting") == {"begroting.txt"}
    finally:
        watcher.stop()
    assert not sync_index(built).changed


def test_a_burst_of_files_is_a_few_syncs(built: Config, seeds: Path) -> None:
    watcher = SeedWatcher(built).start()
    try:
        for n in range(300):
            (seeds / "burst" / f"{n:03d}.txt").parent.mkdir(exist_ok=True)
            (seeds / "burst" / f"{n:03d}.txt").write_text(f" date  Nr {n}\n\nZebra {n}.")
        eventually(lambda: Engine(built).search("zebra").total == 300, deadline=30)
    finally:
        watcher.stop()
    assert watcher.syncs <= 6  # the first sync at start, then a few for the burst


def test_searches_keep_working_during_a_sync(built: Config, seeds: Path) -> None:
    for n in range(400):
        (seeds / f"extra{n}.txt").write_text(f" date 2019-01 Extra {n}\n\nDe stad {n}.")
    engine, errors, done = Engine(built), [], threading.Event()

    def search_loop() -> None:
        while not done.is_set():
            try:
                assert engine.search("stad").total >= 2
            except Exception as exc:  # noqa: BLE001 - collected for the assertion below
                errors.append(exc)

    threads = [threading.Thread(target=search_loop) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        sync_index(built)
        for n in range(0, 400, 2):
            (seeds / f"extra{n}.txt").unlink()
        sync_index(built)
    finally:
        done.set()
        for t in threads:
            t.join()
    assert errors == []
    assert engine.search("stad").total == 202


@pytest.mark.skipif(not SEARCHD.exists(), reason="the searchd command is not installed")
def test_server_picks_up_changes(tmp_path: Path, seeds: Path) -> None:
    with running_server(tmp_path, "--watch") as (base, conf):
        ids = lambda q: {h["id"] for h in _get(base, q)["hits"]}  # noqa: E731
        (seeds / "nieuw.txt").write_text(" date 2020-02 Nieuw\n\nEen pinguin.")
        assert eventually(lambda: ids("pinguin") == {"nieuw.txt"}) < 5
        (seeds / "nieuw.txt").unlink()
        eventually(lambda: ids("pinguin") == set())
        (seeds / "ander.txt").write_text(" date 2020-02 Ander\n\nEen walrus.")
        assert searchd(conf, "index").returncode == 0  # another writer, same index
        eventually(lambda: ids("walrus") == {"ander.txt"})
    assert "nothing to do" in searchd(conf, "index").stdout


def _get(base: str, query: str) -> dict:
    import json

    url = f"{base}/api/search?q={urllib.parse.quote(query)}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.mark.skipif(not SEARCHD.exists(), reason="the searchd command is not installed")
def test_a_large_sync_killed_leaves_no_orphans_and_a_consistent_index(tmp_path: Path,
                                                                      seeds: Path) -> None:
    """Killed while its forked workers index their shares: the workers die with it (they
    ran on as orphans), the index is as before, and the next sync completes."""
    conf = tmp_path / "config.toml"
    conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    assert searchd(conf, "index").returncode == 0
    for n in range(400):  # enough for forked workers (sync.PARALLEL_FROM a process)
        (seeds / "bulk" / f"{n:04d}.txt").parent.mkdir(exist_ok=True)
        (seeds / "bulk" / f"{n:04d}.txt").write_text(
            f" date 2019-03 Bulk {n}\n\nHet verslag {n} over de begroting en de stad.")
    env = {**os.environ, "SEARCHD_FAILPOINT": "sync:workers-started"}
    killed = subprocess.run([str(SEARCHD), "--config", str(conf), "index"], env=env,
                            capture_output=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    eventually(lambda: not _orphans(conf), deadline=5)
    stats = searchd(conf, "stats")
    assert stats.returncode == 0, stats.stderr
    assert '"total": 0' in searchd(conf, "search", "verslag", "--json").stdout
    finish = searchd(conf, "index")
    assert finish.returncode == 0, finish.stderr
    assert "\"total\": 400" in searchd(conf, "search", "verslag", "--json").stdout
    assert "nothing to do" in searchd(conf, "index").stdout


def _orphans(conf: Path) -> list[int]:
    """Pids of leftover processes still running a sync for this config (from /proc)."""
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(conf).encode() in cmdline and int(entry.name) != os.getpid():
            pids.append(int(entry.name))
    return pids


def test_the_watcher_survives_failures_and_recovers_by_itself(
        built: Config, seeds: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A full disk (OSError) or a bug killed the watcher thread, and `serve --watch` went
    on serving a stale index with no sign of it."""
    import errno
    import json

    import searchd.watch as watch

    failures = [OSError(errno.ENOSPC, "No space left on device"), RuntimeError("a bug")]
    real = watch.sync_index

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop(0)
        return real(*args, **kwargs)

    monkeypatch.setattr(watch, "sync_index", flaky)
    monkeypatch.setattr(watch, "BACKOFF_MAX", 0.5)
    status_file = built.index / watch.STATUS_FILE
    with caplog.at_level("ERROR", logger="searchd.watch"):
        watcher = SeedWatcher(built).start()  # its first sync fails
        try:
            assert json.loads(status_file.read_text())["state"] == "failing"
            assert "No space left on device" in watch.read_status(built.index)["last_error"]
            (seeds / "olifant.txt").write_text(" date 2018-01 Dier\n\nEen olifant.")
            eventually(lambda: found(built, "olifant") == {"olifant.txt"})
            eventually(lambda: watch.read_status(built.index)["state"] == "ok")
            status = watch.read_status(built.index)
            assert status["failures"] == 0
            assert status["last_sync_at"] > status["last_error_at"]
            assert "RuntimeError: a bug" in status["last_error"]
        finally:
            watcher.stop()
    lines = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(lines) == 2 and all("\n" not in line for line in lines)
    assert "retrying in" in lines[0]


def test_healthz_reports_a_failing_or_stopped_watcher(built: Config) -> None:
    import json

    from searchd.watch import STATUS_FILE
    from searchd.web import create_app

    app = create_app(built)
    app.config["SEARCHD_WATCHED"] = True
    client = app.test_client()
    status = {"state": "failing", "pid": os.getpid(), "failures": 3,
              "last_error": "cannot update the index: No space left on device",
              "last_error_at": 1.0, "last_sync_at": 0.5, "retry_in": 4.0}
    (built.index / STATUS_FILE).write_text(json.dumps(status))
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and body["watcher"] == status
    (built.index / STATUS_FILE).write_text(json.dumps({**status, "state": "ok"}))
    assert client.get("/healthz").get_json()["status"] == "ok"
    dead = subprocess.run(["true"]).returncode or 2**22 + 7  # no such process
    (built.index / STATUS_FILE).write_text(json.dumps({**status, "state": "ok", "pid": dead}))
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and body["watcher"] == {"state": "stopped"}
    app.config["SEARCHD_WATCHED"] = False
    assert "watcher" not in client.get("/healthz").get_json()


def test_a_folder_moved_into_the_seeds_is_followed(built: Config, seeds: Path,
                                                   tmp_path: Path) -> None:
    """watchdog adds no watch to a folder moved in from elsewhere: changes inside it waited
    for the 30 s rescan."""
    outside = tmp_path / "elders" / "map"
    outside.mkdir(parents=True)
    (outside / "een.txt").write_text(" date 2018-01 Een\n\nEen zeehond.")
    watcher = SeedWatcher(built).start()
    try:
        outside.rename(seeds / "map")
        eventually(lambda: found(built, "zeehond") == {"map/een.txt"})
        eventually(lambda: watcher.status.state == "ok")  # (watches renewed by the sync)
        (seeds / "map" / "twee.txt").write_text(" date 2018-01 Twee\n\nTwee zeehonden.")
        assert eventually(lambda: len(found(built, "zeehond")) == 2) < 5
    finally:
        watcher.stop()


def test_no_merge_while_a_burst_goes_on(built: Config, seeds: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync in the middle of a burst of changes merges no segments (a large merge held
    up a copy of 2,000 files for 26 s); the sync after the burst does."""
    import searchd.watch as watch

    merges: list[bool] = []
    real = watch.sync_index

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        merges.append(kwargs.get("merge", True))
        return real(*args, **kwargs)

    monkeypatch.setattr(watch, "sync_index", recording)
    watcher = SeedWatcher(built).start()
    try:
        merges.clear()
        deadline = time.monotonic() + 3.0
        n = 0
        while time.monotonic() < deadline:  # a change every 0.1 s for 3 s
            (seeds / f"stroom{n}.txt").write_text(f" date  S{n}\n\nStroom {n}.")
            n += 1
            time.sleep(0.1)
        eventually(lambda: Engine(built).search("stroom").total == n)
        time.sleep(1.0)  # the burst is over: a single change is synced once it is quiet
        (seeds / "slot.txt").write_text(" date  Slot\n\nStroom tot slot.")
        eventually(lambda: Engine(built).search("stroom").total == n + 1)
        time.sleep(0.2)
    finally:
        watcher.stop()
    assert False in merges and merges[-1] is True


def test_a_fifo_does_not_wedge_the_watcher(built: Config, seeds: Path) -> None:
    """A FIFO named *.txt is skipped; the files after it are indexed, and the lock is free
    for `searchd index` meanwhile."""
    reports: list[SyncReport] = []
    watcher = SeedWatcher(built, report=reports.append).start()
    try:
        os.mkfifo(seeds / "pijp.txt")
        (seeds / "olifant.txt").write_text(" date 2018-01 Dier\n\nEen olifant.")
        eventually(lambda: found(built, "olifant") == {"olifant.txt"})
        (seeds / "giraf.txt").write_text(" date 2018-01 Dier\n\nEen giraf.")
        eventually(lambda: found(built, "giraf") == {"giraf.txt"})
        checked = sync_index(built, lock_wait=10)  # the lock is free; the whole folder
    finally:
        watcher.stop()
    assert dict(checked.skipped)["pijp.txt"].startswith("a FIFO")


def test_healthz_and_readyz_name_a_sync_that_makes_no_progress(built: Config) -> None:
    import json

    from searchd.watch import STALL_AFTER, STATUS_FILE
    from searchd.web import create_app

    app = create_app(built)
    app.config["SEARCHD_WATCHED"] = True
    client = app.test_client()
    now = time.time()
    status = {"state": "ok", "pid": os.getpid(), "failures": 0, "last_sync_at": now - 900,
              "syncing_since": now - 900, "progress_at": now - STALL_AFTER - 5}
    (built.index / STATUS_FILE).write_text(json.dumps(status))
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and body["watcher"]["state"] == "stalled"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "no progress" in ready.get_json()["reason"]
    (built.index / STATUS_FILE).write_text(json.dumps({**status, "progress_at": now - 1}))
    assert client.get("/healthz").get_json()["status"] == "ok"
    assert client.get("/readyz").status_code == 200


def test_the_watchers_log_names_files_indexed_with_a_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    """`searchd index` printed them; under the watcher they were never said."""
    import logging

    from searchd.watch import LogReport

    report = SyncReport(added=1, warnings=[("maand13.txt", "header date '2022-13' is not a "
                                                           "real month; indexed without a date")])
    with caplog.at_level(logging.WARNING):
        LogReport()(report)
    assert any("maand13.txt" in r.getMessage() or "maand13.txt" in str(r.__dict__)
               for r in caplog.records)


def test_a_polling_watcher_does_not_walk_into_folder_links_that_loop(built: Config,
                                                                     seeds: Path) -> None:
    """Two symbolic links that loop (sub/up -> .., sub/again -> the seeds folder): the
    polling observer walked them without end, growing by 55 MB a second and syncing
    nothing."""
    import resource

    (seeds / "lus").mkdir()
    (seeds / "lus" / "up").symlink_to("..")
    (seeds / "lus" / "again").symlink_to(seeds)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    watcher = SeedWatcher(built, polling=True).start()
    try:
        time.sleep(1.5)
        (seeds / "olifant.txt").write_text(" date 2018-01 Dier\n\nEen olifant.")
        assert eventually(lambda: found(built, "olifant") == {"olifant.txt"}) < 8
    finally:
        watcher.stop()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200
