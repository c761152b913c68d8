"""Snapshots: taken while syncs go on, restored to the same results, refused when they do
not fit."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from searchd import snapshot
from searchd.config import Config
from searchd.errors import SearchdError
from searchd.search import Engine
from searchd.sync import sync_index

QUERIES = ["strijders", "fiets", "gemeente begroting", "olifant", "stad 7", "zebra"]


def answers(config: Config) -> dict[str, Any]:
    """Per query: the total, the page's scores in order, and the hits (id, snippet) of each
    score above the page's lowest. Documents of equal score come in document-number order,
    which differs between an index synced bit by bit and one built anew (the extra documents
    tie on "olifant"), and at the end of the page any of them may be cut."""
    engine = Engine(config)
    found = {}
    for q in QUERIES:
        result = engine.search(q, limit=50)
        hits = [(round(h.score, 6), h.id, h.snippet) for h in result.hits]
        lowest = hits[-1][0] if hits else None
        found[q] = (result.total, [score for score, _, _ in hits],
                    sorted(hit for hit in hits if hit[0] != lowest))
    return found


def more_docs(seeds: Path, start: int, count: int) -> None:
    for n in range(start, start + count):
        (seeds / f"extra{n:04d}.txt").write_text(
            f" date 2019-{n % 12 + 1:02d} Extra {n}\n\nDe olifant {n} liep door de stad {n % 10}.",
            encoding="utf-8")


def test_a_snapshot_taken_during_syncs_restores_to_the_same_results(
        built: Config, seeds: Path, tmp_path: Path) -> None:
    """Syncs keep adding documents while the snapshot is taken; the snapshot holds one
    generation whole, and restored elsewhere it answers as the index did then."""
    stop, first = threading.Event(), threading.Event()

    def keep_syncing() -> None:
        start = 0
        while not stop.is_set() and start < 600:
            more_docs(seeds, start, 150)
            start += 150
            sync_index(built, lock_wait=30)
            first.set()

    syncing = threading.Thread(target=keep_syncing)
    syncing.start()
    try:
        first.wait(30)  # the next syncs are under way
        info = snapshot.take(built, tmp_path / "snap")
    finally:
        stop.set()
        syncing.join()
    engine = Engine(Config(seeds=built.seeds, index=tmp_path / "snap"))
    documents = engine.searcher().doc_count()
    assert documents in (154, 304, 454, 604)
    for extra in sorted(seeds.glob("extra*.txt"))[documents - 4:]:
        extra.unlink()  # the seeds as they were when the snapshot's generation was synced
    fresh = replace(built, index=tmp_path / "fresh")  # that state, built anew to compare
    sync_index(fresh)
    restored = replace(built, index=tmp_path / "restored")
    snapshot.restore(restored, info.path)
    assert answers(restored) == answers(fresh)
    assert not sync_index(restored).changed  # its manifest came along


def test_a_snapshot_restores_over_the_index_it_was_taken_of(built: Config, seeds: Path,
                                                            tmp_path: Path) -> None:
    before = answers(built)
    info = snapshot.take(built, tmp_path / "snap")
    more_docs(seeds, 0, 20)
    sync_index(built)
    assert answers(built) != before
    snapshot.restore(built, info.path)
    assert answers(built) == before
    snapshot.restore(built, info.path)  # again: the same snapshot, a new index name
    assert answers(built) == before
    leftovers = [p.name for p in built.index.iterdir() if p.name.startswith("manifest-")]
    assert len(leftovers) == 1
    assert sync_index(built).added == 20  # the seeds folder stays the source of truth


def test_a_snapshot_of_another_analysis_is_refused(built: Config, tmp_path: Path) -> None:
    info = snapshot.take(built, tmp_path / "snap")
    other = replace(built, stemmer="dutch", index=tmp_path / "other")
    with pytest.raises(SearchdError, match="another analysis"):
        snapshot.restore(other, info.path)
    assert not (tmp_path / "other").exists()


def test_a_damaged_snapshot_is_refused_and_the_index_kept(built: Config,
                                                          tmp_path: Path) -> None:
    info = snapshot.take(built, tmp_path / "snap")
    before = answers(built)
    segment = next(info.path.glob("*.seg"))
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF
    segment.write_bytes(bytes(data))
    with pytest.raises(SearchdError, match=f"damaged: {segment.name}"):
        snapshot.restore(built, info.path)
    assert answers(built) == before
    with pytest.raises(SearchdError, match="not a searchd snapshot"):
        snapshot.restore(built, tmp_path)


def test_a_snapshot_goes_to_a_new_or_empty_folder_only(built: Config, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(SearchdError, match="not an empty folder"):
        snapshot.take(built, tmp_path / "full")
    (tmp_path / "empty").mkdir()
    assert snapshot.take(built, tmp_path / "empty").path == tmp_path / "empty"
    assert not list(built.index.glob("snapshot-staging-*"))


def test_the_snapshot_and_restore_commands(built: Config, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from searchd.cli import main

    conf = tmp_path / "c.toml"
    conf.write_text(f'[paths]\nseeds = "{built.seeds}"\nindex = "{built.index}"\n')
    taken = CliRunner().invoke(main, ["--config", str(conf), "snapshot", str(tmp_path / "s")])
    assert taken.exit_code == 0 and "snapshot of ix" in taken.output, taken.output
    again = CliRunner().invoke(main, ["--config", str(conf), "snapshot", str(tmp_path / "s")])
    assert again.exit_code == 1 and "not an empty folder" in again.output
    restored = CliRunner().invoke(main, ["--config", str(conf), "restore", str(tmp_path / "s")])
    assert restored.exit_code == 0 and "restored the snapshot" in restored.output
    assert [h.id for h in Engine(built).search("strijders").hits] == ["kat.txt"]


def test_a_snapshot_of_an_index_with_an_older_json_manifest(built: Config,
                                                             tmp_path: Path) -> None:
    import json

    from searchd import manifest

    name = next(built.index.glob("manifest-*.db")).name[len("manifest-"):-len(".db")]
    state = manifest.load(built.index, name)
    assert state is not None
    manifest.path(built.index, name).unlink()
    (built.index / f"manifest-{name}.json").write_text(json.dumps({
        "version": 2, "indexname": name, "analysis": state.analysis,
        "generation": state.generation,
        "files": {k: list(v) for k, v in state.files.items()}}), encoding="utf-8")
    info = snapshot.take(built, tmp_path / "snap")
    restored = replace(built, index=tmp_path / "restored")
    snapshot.restore(restored, info.path)
    assert not sync_index(restored).changed


class _CommandOnLoad:
    """What a crafted pickle does: names os.system, so that loading it runs a command."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, ...]:
        import os
        return (os.system, (self.command,))


def _poison_toc(info: snapshot.SnapshotInfo, marker: Path, evil_object: Any = None) -> None:
    """Write into the snapshot a table of contents whose schema pickle runs `touch marker`
    (or is evil_object), with the file's size and checksum in snapshot.json recomputed (not
    re-signed)."""
    import json
    import pickle

    from whoosh.index import TOC

    toc_name = TOC._filename(info.indexname, info.generation)
    data = bytearray((info.path / toc_name).read_bytes())
    from searchd.storage.files import DurableStorage

    good = pickle.dumps(TOC.read(DurableStorage(str(info.path)), info.indexname,
                                 info.generation).schema, 2)
    evil = pickle.dumps(evil_object or _CommandOnLoad(f"touch {marker}"), 2)
    # the schema pickle starts as a fresh pickle of it does (the strings it shares with
    # others may be written apart), and ends at its STOP opcode
    import pickletools

    start = bytes(data).find(good[:40])
    assert start > 0
    end = start + next(pos for op, _, pos in pickletools.genops(bytes(data[start:]))
                       if op.name == "STOP") + 1
    # the schema is a length-prefixed string (a varint of its length, then the pickle)
    from whoosh.util.varints import varint
    head = bytes(data[:start - len(varint(end - start))])
    (info.path / toc_name).write_bytes(head + varint(len(evil)) + evil + bytes(data[end:]))
    meta = json.loads((info.path / snapshot.INFO_FILE).read_text())
    meta["files"][toc_name] = [(info.path / toc_name).stat().st_size,
                               snapshot._checksum(info.path / toc_name)]
    (info.path / snapshot.INFO_FILE).write_text(json.dumps(meta))


def _resign(info: snapshot.SnapshotInfo, key: bytes) -> None:
    import json

    from searchd import keys
    meta = json.loads((info.path / snapshot.INFO_FILE).read_text())
    meta["signature"] = keys.sign(key, snapshot._record(meta))
    (info.path / snapshot.INFO_FILE).write_text(json.dumps(meta))


def test_a_crafted_snapshot_runs_no_code_on_restore(built: Config, tmp_path: Path) -> None:
    """A table of contents whose pickle names os.system: refused for its signature when the
    attacker lacks the key, and refused by the unpickler when the key is known (a leaked key,
    an index folder written by hand): no command runs either way, the index is kept."""
    from searchd import keys

    info = snapshot.take(built, tmp_path / "snap")
    before = answers(built)
    marker = tmp_path / "pwned"
    _poison_toc(info, marker)
    with pytest.raises(SearchdError, match="not signed with this installation's key"):
        snapshot.restore(built, info.path)
    _resign(info, b"an attacker's own key, not ours")
    with pytest.raises(SearchdError, match="not signed with this installation's key"):
        snapshot.restore(built, info.path)
    _resign(info, keys.signing_key(built.snapshot_key_file))
    with pytest.raises(SearchdError, match="cannot be read as an index.*refused"):
        snapshot.restore(built, info.path)
    assert not marker.exists()
    assert answers(built) == before
    with pytest.raises(Exception, match="refused"):
        Engine(replace(built, index=info.path)).search("stad")  # opened in place: the same
    assert not marker.exists()


def test_snapshots_are_signed_and_keys_rotate(built: Config, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The first snapshot makes the key file (owner-only); a snapshot.json edited after
    signing is refused; after a rotation (a new key on top) old snapshots still restore, and
    once the old key is removed they are refused."""
    import json
    import stat

    from searchd import keys

    monkeypatch.delenv(keys.ENV, raising=False)
    key_file = built.snapshot_key_file
    assert key_file is not None
    key_file.unlink(missing_ok=True)
    old = snapshot.take(built, tmp_path / "old")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    snapshot.restore(built, old.path)
    meta = json.loads((old.path / snapshot.INFO_FILE).read_text())
    edited = {**meta, "analysis": meta["analysis"] + " "}
    (tmp_path / "edited").mkdir()
    for item in old.path.iterdir():
        (tmp_path / "edited" / item.name).write_bytes(item.read_bytes())
    (tmp_path / "edited" / snapshot.INFO_FILE).write_text(json.dumps(edited))
    with pytest.raises(SearchdError, match="was changed after it was signed"):
        snapshot.restore(built, tmp_path / "edited")
    old_key = key_file.read_text().splitlines()[-1]
    key_file.write_text("a-brand-new-key-0123456789abcdef\n" + old_key + "\n")
    snapshot.restore(built, old.path)  # the old key still verifies
    new = snapshot.take(built, tmp_path / "new")
    key_file.write_text("a-brand-new-key-0123456789abcdef\n")
    snapshot.restore(built, new.path)
    with pytest.raises(SearchdError, match="not signed with this installation's key"):
        snapshot.restore(built, old.path)
    monkeypatch.setenv(keys.ENV, "a-key-from-the-environment-0123")
    with pytest.raises(SearchdError, match="not signed with this installation's key"):
        snapshot.restore(built, new.path)


def test_a_snapshot_without_an_index_leaves_nothing_behind(tmp_path: Path) -> None:
    """Run from a folder without config.toml: a clear error, and no index folder or lock
    file made there."""
    from searchd.config import config_from_dict

    config = config_from_dict({}, tmp_path)
    with pytest.raises(SearchdError, match="no index in .* pass --config"):
        snapshot.take(config, tmp_path / "snap")
    assert not (tmp_path / "index").exists()


def _signed_again(config: Config, info: snapshot.SnapshotInfo) -> None:
    """snapshot.json re-signed with the installation's key (an attacker who has it)."""
    from searchd import keys
    _resign(info, keys.signing_key(config.snapshot_key_file))


def test_a_restore_copies_only_the_files_snapshot_json_lists(built: Config,
                                                             tmp_path: Path) -> None:
    """A symlink named like one of the segment's files (to /dev/zero it filled the disk), a
    FIFO (it hung the restore holding the write lock), and any unlisted file are not
    copied; the restore completes with the files that were signed."""
    import os

    info = snapshot.take(built, tmp_path / "snap")
    segment = next(info.path.glob("*.seg"))
    stem = segment.name.rsplit(".", 1)[0]
    os.symlink("/dev/zero", info.path / f"{stem}.zero")
    os.mkfifo(info.path / f"{stem}.fifo")
    (info.path / f"{stem}.extra").write_bytes(b"x" * 1000)
    before = answers(built)
    snapshot.restore(built, info.path)
    index_files = [p.name for p in built.index.iterdir()]
    assert not any(n.endswith((".zero", ".fifo", ".extra")) for n in index_files)
    assert answers(built) == before


def test_a_listed_file_that_is_a_symlink_or_fifo_is_refused(built: Config,
                                                            tmp_path: Path) -> None:
    import os

    info = snapshot.take(built, tmp_path / "snap")
    before = answers(built)
    segment = next(info.path.glob("*.seg"))
    size = segment.stat().st_size
    segment.unlink()
    os.mkfifo(segment)
    with pytest.raises(SearchdError, match=f"damaged: {segment.name}"):
        snapshot.restore(built, info.path)
    segment.unlink()
    os.symlink("/dev/zero", segment)
    with pytest.raises(SearchdError, match=f"damaged: {segment.name}"):
        snapshot.restore(built, info.path)
    assert size > 0 and answers(built) == before
    assert not list(built.index.glob("restore-*"))


def test_a_file_changed_after_it_was_checked_is_not_restored(built: Config, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """What a restore checks is what it installs: a file swapped for a crafted one right
    after the check (its checksum passed) is never read again from the snapshot."""
    from searchd.storage import clone

    info = snapshot.take(built, tmp_path / "snap")
    marker = tmp_path / "pwned"
    real_clone = clone.clone

    def swapping(*args: Any, **kwargs: Any) -> Any:
        _poison_toc(info, marker)  # too late: the restore reads its own checked copy
        return real_clone(*args, **kwargs)

    monkeypatch.setattr(clone, "clone", swapping)
    before = answers(built)
    snapshot.restore(built, info.path)
    assert not marker.exists()
    assert answers(built) == before


def test_legacy_tables_of_contents_run_no_code(built: Config, tmp_path: Path) -> None:
    """Whoosh 1.x tables of contents (version -110) were read by an unrestricted unpickler
    in whoosh.legacy: one whose pickle names os.system ran it."""
    import pickle

    from whoosh.index import TOC

    from searchd.storage.files import DurableStorage

    info = snapshot.take(built, tmp_path / "snap")
    marker = tmp_path / "pwned"
    toc = info.path / TOC._filename(info.indexname, info.generation)
    storage = DurableStorage(str(info.path))
    evil = pickle.dumps(_CommandOnLoad(f"touch {marker}"), 2)
    head = toc.read_bytes()[:3]  # the sizes of an int, a long and a float (varints)
    toc.unlink()
    stream = storage.create_file(toc.name)
    stream.write(head)
    stream.write_int(-12345)
    stream.write_int(-110)  # a 1.x version, then its release and a schema pickle
    for number in (1, 0, 0, len(evil)):
        stream.write_varint(number)
    stream.write(evil)
    stream.close()
    import json
    meta = json.loads((info.path / snapshot.INFO_FILE).read_text())
    meta["files"][toc.name] = [toc.stat().st_size, snapshot._checksum(toc)]
    (info.path / snapshot.INFO_FILE).write_text(json.dumps(meta))
    _signed_again(built, info)
    before = answers(built)
    with pytest.raises(SearchdError):
        snapshot.restore(built, info.path)
    assert not marker.exists()
    assert answers(built) == before


def test_a_key_file_or_snapshot_json_that_never_ends_is_refused(built: Config,
                                                                tmp_path: Path) -> None:
    """/dev/zero as the key file or as snapshot.json was read to the end of memory."""
    import os

    info = snapshot.take(built, tmp_path / "snap")
    (info.path / snapshot.INFO_FILE).unlink()
    os.symlink("/dev/zero", info.path / snapshot.INFO_FILE)
    with pytest.raises(SearchdError, match="not a searchd snapshot"):
        snapshot.restore(built, info.path)
    key_file = tmp_path / "zero.key"
    os.symlink("/dev/zero", key_file)
    with pytest.raises(SearchdError, match="cannot read the snapshot key file"):
        snapshot.take(replace(built, snapshot_key_file=key_file), tmp_path / "snap2")


class _Made:
    """What a pickle of an allowed builtin called with a crafted argument does."""

    def __init__(self, call: Any, *args: Any) -> None:
        self.call, self.args = call, args

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.call, self.args)


@pytest.mark.parametrize("evil", [_Made(bytearray, 0x7F000000), _Made(int, "9" * 5000)],
                         ids=["bytearray-2GB", "int-5000-digits"])
def test_a_pickle_that_asks_for_a_huge_value_is_refused_at_once(
        built: Config, tmp_path: Path, evil: Any) -> None:
    """With the key (leaked, or a folder written by hand): bytearray(2**31) took 19 GB on
    restore, int("9" * 4000) ended in an unexpected error carrying every digit."""
    import resource

    info = snapshot.take(built, tmp_path / "snap")
    _poison_toc(info, tmp_path / "unused", evil)
    _signed_again(built, info)
    before = answers(built)
    with pytest.raises(SearchdError, match="cannot be read as an index") as refused:
        snapshot.restore(built, info.path)
    assert len(str(refused.value)) < 600
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2_000_000  # KB
    assert answers(built) == before


def test_a_snapshot_json_nested_a_million_deep_is_refused_in_one_line(
        built: Config, tmp_path: Path) -> None:
    info = snapshot.take(built, tmp_path / "snap")
    (info.path / snapshot.INFO_FILE).write_text("[" * 1_000_000 + "]" * 1_000_000)
    with pytest.raises(SearchdError, match="not a searchd snapshot"):
        snapshot.restore(built, info.path)


def test_pickled_allocations_share_one_budget_per_pickle() -> None:
    """Sixty bytearrays of 16 MB each, in a table of contents of 2 KB, took 1 GB."""
    import pickle

    from searchd.storage import unpickle

    many = pickle.dumps([_Made(bytearray, 8 << 20) for _ in range(10)], 4)
    assert len(many) < 1000
    with pytest.raises(pickle.UnpicklingError, match="more memory"):
        unpickle.loads(many)
    assert len(unpickle.loads(pickle.dumps([_Made(bytearray, 1000)] * 3, 4))[0]) == 1000


def test_a_signed_table_of_contents_that_counts_too_many_documents_is_refused(
        built: Config, tmp_path: Path) -> None:
    """A segment said to hold 10**12 documents: the restore succeeded, and no worker could
    start again (each allocated arrays of that many entries)."""
    import json

    from whoosh.index import TOC

    from searchd.storage.files import DurableStorage

    info = snapshot.take(built, tmp_path / "snap")
    storage = DurableStorage(str(info.path))
    toc = TOC.read(storage, info.indexname, info.generation)
    for segment in toc.segments:
        segment._doccount = 10**12
    toc_file = info.path / TOC._filename(info.indexname, info.generation)
    toc_file.unlink()
    toc.write(storage, info.indexname)
    meta = json.loads((info.path / snapshot.INFO_FILE).read_text())
    meta["files"][toc_file.name] = [toc_file.stat().st_size, snapshot._checksum(toc_file)]
    (info.path / snapshot.INFO_FILE).write_text(json.dumps(meta))
    _signed_again(built, info)
    before = answers(built)
    with pytest.raises(SearchdError, match="counts 1000000000000 documents"):
        snapshot.restore(built, info.path)
    assert answers(built) == before
