"""Live reindexing: the watcher, a server that picks up changes, concurrency, crash safety."""

from __future__ import annotations

import contextlib
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
from searchd.sync import sync_index
from searchd.watch import SeedWatcher

from .server import SEARCHD, running_server, searchd


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
@pytest.mark.parametrize("delay", [0.3, 0.9, 1.6])
def test_a_sync_killed_midway_leaves_a_consistent_index(tmp_path: Path, seeds: Path,
                                                        delay: float) -> None:
    conf = tmp_path / "config.toml"
    conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    assert searchd(conf, "index").returncode == 0
    for n in range(1500):
        (seeds / "bulk" / f"{n:04d}.txt").parent.mkdir(exist_ok=True)
        (seeds / "bulk" / f"{n:04d}.txt").write_text(
            f" date 2019-03 Bulk {n}\n\nHet verslag {n} over de begroting en de stad.")
    proc = subprocess.Popen([str(SEARCHD), "--config", str(conf), "index"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for child in _orphans(conf):  # Whoosh's worker processes, orphaned
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    stats = searchd(conf, "stats")
    assert stats.returncode == 0, stats.stderr  # before or after the sync, never broken
    finish = searchd(conf, "index", "--wait", "20")
    assert finish.returncode == 0, finish.stderr
    out = searchd(conf, "search", "verslag", "--json")
    assert '"total": 1500' in out.stdout
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
