"""Crash safety and durability: a sync or rebuild killed at any point, a full disk, folders
that vanish, and the order in which what a sync writes reaches the disk."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from searchd import failpoints, word_table
from searchd.config import Config, config_from_dict
from searchd.errors import SearchdError
from searchd.index import current_indexname
from searchd.manifest import load as load_manifest
from searchd.search import Engine
from searchd.storage import files as storage_files
from searchd.sync import sync_index

from .conftest import DOCS, before_reading, write_seeds
from .server import SEARCHD, searchd

pytestmark = pytest.mark.server  # starts servers or watchers: not in `make check`

MORE = {f"extra/{n:03d}.txt": f" date 2019-0{n % 9 + 1} Olifant {n}\n\nEen olifant nummer {n} "
        f"liep door de stad." for n in range(30)}


def ids(config: Config, query: str) -> set[str]:
    return {h.id for h in Engine(config).search(query, limit=100).hits}


def leftovers(index_dir: Path) -> list[str]:
    """Files and folders in the index folder that belong to no active index (the word
    table is the folder's, kept across rebuilds)."""
    name = current_indexname(index_dir)
    return sorted(p.name for p in index_dir.iterdir()
                  if name not in p.name and p.name not in ("CURRENT", "write.lock")
                  and not (p.name.startswith(word_table.PREFIX) and p.suffix == ".tsv"))


def _conf(tmp_path: Path) -> Path:
    conf = tmp_path / "config.toml"
    conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    return conf


def _killed(config: Config, point: str, rebuild: bool) -> int:
    """The wait status of a sync run in a forked child told to die at point (forked, not
    started: a new interpreter would take most of the test's time)."""
    pid = os.fork()
    if pid == 0:  # the child: dies at the point, or exits 0 after the sync (1 if it failed)
        code = 1
        try:
            os.environ["SEARCHD_FAILPOINT"] = point
            sync_index(config, rebuild=rebuild)
            code = 0
        finally:
            os._exit(code)
    return os.waitpid(pid, 0)[1]


@pytest.mark.parametrize("point", [p for p in failpoints.POINTS  # (that one: test_watch)
                                   if p != "sync:workers-started"])
@pytest.mark.parametrize("rebuild", [True, False], ids=["rebuild", "sync"])
def test_killed_at_any_point_the_index_stays_usable_and_the_next_sync_completes(
        built: Config, seeds: Path, point: str, rebuild: bool) -> None:
    write_seeds(seeds, MORE)
    status = _killed(built, point, rebuild)
    if rebuild or not point.startswith("rebuild:"):
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9, status
    else:  # a sync never reaches a rebuild's points
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert ids(built, "strijders") == {"kat.txt"}  # the old index, or the new one
    assert len(ids(built, "olifant")) in (0, 30)
    sync_index(built)
    assert len(ids(built, "olifant")) == 30 and ids(built, "strijders") == {"kat.txt"}
    assert leftovers(built.index) == []


@pytest.mark.parametrize("rebuild", [True, False], ids=["rebuild", "sync"])
def test_what_a_killed_rebuild_left_is_cleaned_up(built: Config, rebuild: bool) -> None:
    """A killed rebuild left index/ix<name>.tmp/, and every later sync failed with
    IsADirectoryError (a folder was unlinked)."""
    stale = built.index / "ix1234abcd.tmp"
    stale.mkdir()
    (stale / "part.seg").write_bytes(b"x" * 100)
    (built.index / "ix1234abcd_x1.seg").write_bytes(b"half a segment")
    own = built.index / f"{current_indexname(built.index)}.tmp"
    own.mkdir()
    (built.index / ".CURRENT.999.tmp").write_text("ix1234abcd")
    report = sync_index(built, rebuild=rebuild)
    assert report.rebuilt == rebuild
    assert leftovers(built.index) == [] and not own.exists()
    assert ids(built, "strijders") == {"kat.txt"}


def _failing_storage(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    """Make the index's storage fail with ENOSPC after `after` files were created."""
    original = storage_files.DurableStorage.create_file
    calls = []

    def create_file(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(name)
        if len(calls) > after:
            raise OSError(errno.ENOSPC, "No space left on device", name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(storage_files.DurableStorage, "create_file", create_file)


@pytest.mark.parametrize("rebuild", [True, False], ids=["rebuild", "sync"])
@pytest.mark.parametrize("after", [0, 3])
def test_a_full_disk_fails_the_sync_in_one_line_and_loses_nothing(
        built: Config, seeds: Path, monkeypatch: pytest.MonkeyPatch, rebuild: bool,
        after: int) -> None:
    write_seeds(seeds, MORE)
    with monkeypatch.context() as patch:
        _failing_storage(patch, after)
        with pytest.raises(SearchdError, match="No space left on device") as failed:
            sync_index(built, rebuild=rebuild)
    assert "\n" not in str(failed.value)
    assert ids(built, "strijders") == {"kat.txt"} and ids(built, "olifant") == set()
    assert leftovers(built.index) == []
    sync_index(built)
    assert len(ids(built, "olifant")) == 30


@contextmanager
def tiny_filesystem(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of size at folder (needs root; the test is skipped otherwise)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.skipif(sys.platform != "linux" or not SEARCHD.exists(),
                    reason="needs Linux (tmpfs) and the searchd command")
def test_a_really_full_disk(tmp_path: Path, seeds: Path) -> None:
    with tiny_filesystem(tmp_path / "disk", "3m") as disk:
        conf = tmp_path / "config.toml"
        conf.write_text(f'[paths]\nseeds = "seeds"\nindex = "{disk}/index"\n')
        assert searchd(conf, "index").returncode == 0
        filler = disk / "filler"
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        filler.write_bytes(b"\0" * (free - 20_000))
        write_seeds(seeds, {"groot.txt": " date  Groot\n\n" + "olifant walrus " * 40_000})
        full = searchd(conf, "index")
        assert full.returncode == 1 and "No space left on device" in full.stderr
        assert len(full.stderr.strip().splitlines()) == 1 and "Traceback" not in full.stderr
        assert "kat.txt" in searchd(conf, "search", "strijders").stdout
        filler.unlink()
        done = searchd(conf, "index")
        assert done.returncode == 0 and "1 indexed" in done.stdout, done.stderr
        assert "groot.txt" in searchd(conf, "search", "walrus").stdout


def _before_scanning(monkeypatch: pytest.MonkeyPatch, folder: str, action) -> None:  # type: ignore[no-untyped-def]
    """Run action(path) when the seeds scan is about to list a folder named `folder`."""
    from searchd import documents

    original = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if str(path).endswith(folder):
            action(path)
        return original(path)

    monkeypatch.setattr(documents.os, "scandir", scandir)


def test_a_subfolder_that_vanishes_during_the_scan(built: Config, seeds: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    write_seeds(seeds, MORE)
    sync_index(built)
    # gone between the listing of seeds/ and its own
    _before_scanning(monkeypatch, "extra", shutil.rmtree)
    report = sync_index(built)
    assert report.removed == 30 and ids(built, "olifant") == set()


def test_an_unreadable_subfolder_keeps_its_documents(built: Config, seeds: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write_seeds(seeds, MORE)
    sync_index(built)

    def fail(path):  # type: ignore[no-untyped-def]
        raise OSError(errno.EIO, "Input/output error", str(path))

    _before_scanning(monkeypatch, "extra", fail)
    report = sync_index(built)
    assert report.removed == 0 and len(ids(built, "olifant")) == 30
    assert report.skipped == [("extra/*", "folder cannot be read (Input/output error); its "
                                          "documents are kept as they were")]


def test_a_seeds_folder_that_vanishes_during_the_scan_deletes_nothing(
        built: Config, seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    # the whole folder goes (unmounted, moved away) while its subfolder is being read
    _before_scanning(monkeypatch, "sub", lambda _: shutil.rmtree(seeds))
    with pytest.raises(SearchdError, match="vanished"):
        sync_index(built)
    assert ids(built, "strijders") == {"kat.txt"} and ids(built, "minister")


def test_everything_a_sync_writes_is_on_disk_before_it_is_published(
        tmp_path: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Record fsyncs, renames and deletions: every file of the index is fsynced before the
    rename that publishes it (Whoosh's table of contents, then CURRENT), each rename is
    followed by an fsync of its folder, and the old index is deleted only after that."""
    events: list[tuple[str, str]] = []
    real = {name: getattr(os, name) for name in ("fsync", "rename", "replace", "unlink")}

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real["fsync"](fd)

    def moved(kind: str):  # type: ignore[no-untyped-def]
        def move(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
            real[kind](src, dst, *args, **kwargs)
            events.append(("rename", os.path.abspath(dst)))
        return move

    def unlink(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        events.append(("unlink", os.path.abspath(path)))
        real["unlink"](path, *args, **kwargs)

    config = config_from_dict({"paths": {"seeds": "seeds", "index": "index"}}, tmp_path)
    sync_index(config)
    old = current_indexname(config.index)
    for name, fn in (("fsync", fsync), ("rename", moved("rename")),
                     ("replace", moved("replace")), ("unlink", unlink)):
        monkeypatch.setattr(os, name, fn)
    write_seeds(seeds, MORE)
    sync_index(config, rebuild=True)
    monkeypatch.undo()
    folder = str(config.index.resolve())
    new = current_indexname(config.index)
    assert new != old

    def index_of(event: tuple[str, str]) -> int:
        return max(i for i, e in enumerate(events) if e == event)

    def synced(path: Path) -> int:
        """When path's content was last fsynced (under its name or before its rename)."""
        name = str(path.resolve())
        renamed = [i for i, e in enumerate(events) if e == ("rename", name)]
        if renamed:  # written under a temporary name, fsynced, renamed into place
            temp = [e for e in events[:renamed[-1]] if e[0] == "fsync" and e[1] != folder]
            assert path.name in os.path.basename(temp[-1][1]), (path.name, temp[-1])
            return renamed[-1]
        return index_of(("fsync", name))

    toc = next(p for p in config.index.iterdir() if p.name.endswith(".toc"))
    published = index_of(("rename", str(toc.resolve())))
    current = index_of(("rename", f"{folder}/CURRENT"))
    for path in config.index.iterdir():
        if new in path.name and path.suffix == ".seg":
            assert synced(path) < published, f"{path.name} published before it was synced"
        elif path.name not in ("CURRENT", "write.lock"):
            assert synced(path) < current, f"{path.name} not synced before the switch"
    assert events[published + 1] == ("fsync", folder)
    assert events[current - 1][1].endswith(".CURRENT." + str(os.getpid()) + ".tmp")
    assert events[current + 1] == ("fsync", folder)
    deleted = [i for i, e in enumerate(events) if e[0] == "unlink" and old in e[1]]
    assert deleted and min(deleted) > current + 1
    manifest = load_manifest(config.index, new)
    assert manifest is not None and len(manifest.files) == len(DOCS) + len(MORE)


def _changed_all(seeds: Path) -> None:
    """Every seed file rewritten with one more line (each is planned to be read again)."""
    for path in seeds.rglob("*.txt"):
        path.write_text(path.read_text(encoding="utf-8") + "\nNog een regel.\n",
                        encoding="utf-8")


def test_a_seeds_folder_that_vanishes_while_files_are_read_deletes_nothing(
        built: Config, seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Gone after the scan, while the changed files are read: their documents were deleted
    and the report said "0 removed"; now the sync fails and the index is kept."""
    import shutil

    _changed_all(seeds)
    before_reading(monkeypatch, "kat.txt", lambda _: shutil.rmtree(seeds))
    with pytest.raises(SearchdError, match="vanished"):
        sync_index(built)
    assert ids(built, "strijders") == {"kat.txt"} and ids(built, "minister")


def test_a_changed_file_that_cannot_be_read_keeps_its_indexed_version(
        built: Config, seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An I/O error reading a changed file: skipped and named, its old version still found,
    and read again by the next sync (it was deleted and forgotten)."""
    from searchd import sync

    _changed_all(seeds)
    real = sync.read_seed

    def fail(path: Path) -> None:
        raise OSError(errno.EIO, "Input/output error", str(path))

    before_reading(monkeypatch, "kat.txt", fail)
    report = sync_index(built)
    assert [doc for doc, _ in report.skipped] == ["kat.txt"]
    assert "kept" in report.skipped[0][1] and report.removed == 0
    assert ids(built, "strijders") == {"kat.txt"}
    monkeypatch.setattr(sync, "read_seed", real)
    report = sync_index(built)
    assert report.updated == 1 and not report.skipped
    assert ids(built, "regel") >= {"kat.txt"}


def test_a_changed_file_deleted_before_it_is_read_is_removed(
        built: Config, seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _changed_all(seeds)
    before_reading(monkeypatch, "kat.txt", lambda path: path.unlink())
    report = sync_index(built)
    assert report.removed == 1 and not report.skipped
    assert ids(built, "strijders") == set()


def test_an_emptied_seeds_folder_deletes_nothing_until_a_rebuild(built: Config,
                                                                 seeds: Path) -> None:
    """A share that is not mounted leaves an empty folder: a full check deleted every
    document. Now it is refused with what to do, and a rebuild empties the index."""
    import shutil

    for item in list(seeds.iterdir()):
        shutil.rmtree(item) if item.is_dir() else item.unlink()
    with pytest.raises(SearchdError, match="holds no seed files.*--rebuild"):
        sync_index(built)
    assert ids(built, "strijders") == {"kat.txt"}
    sync_index(built, rebuild=True)
    assert ids(built, "strijders") == set()
    assert not sync_index(built).changed


@pytest.mark.skipif(sys.platform != "linux", reason="needs Linux (tmpfs)")
def test_on_a_full_disk_the_watchers_failure_still_reaches_healthz(tmp_path: Path) -> None:
    """The watcher's status was written as a new file and replaced: on a full disk the
    "failing" it had to report could not be written, and /healthz kept saying "ok"."""
    from searchd.watch import WatchStatus, read_status

    with tiny_filesystem(tmp_path / "disk", "1m") as disk:
        status = WatchStatus(state="ok", pid=os.getpid())
        status.save(disk)
        filler = disk / "filler"
        with open(filler, "wb") as fh:
            try:
                while True:
                    fh.write(b"\0" * 65536)
            except OSError:
                pass
        with pytest.raises(OSError):
            (disk / "probe").write_bytes(b"x" * 8192)
        status.state, status.last_error = "failing", "cannot update the index: No space left"
        status.save(disk)
        assert read_status(disk)["state"] == "failing"
        assert "No space left" in read_status(disk)["last_error"]


def test_a_check_that_would_delete_most_of_a_large_index_deletes_nothing(
        built: Config, seeds: Path) -> None:
    """An empty share mounted over the folder, with one stray file on it: the next sync
    removed all 72 documents. Past MASS_DELETE_FROM documents, a check that would delete
    more than half of them is refused until a rebuild."""
    import shutil

    from searchd import changes

    write_seeds(seeds, {f"veel/{n:03d}.txt": f" date 2019-01 Doc {n}\n\nOlifant {n}."
                        for n in range(changes.MASS_DELETE_FROM)})
    sync_index(built)
    shutil.rmtree(seeds / "veel")
    (seeds / "verdwaald.txt").write_text(" date 2019-01 Los\n\nEen los bestand.")
    with pytest.raises(SearchdError, match="would be deleted, so none is.*--rebuild"):
        sync_index(built)
    assert len(ids(built, "olifant")) == changes.MASS_DELETE_FROM
    assert sync_index(built, rebuild=True).added == len(DOCS) + 1
