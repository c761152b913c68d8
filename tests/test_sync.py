"""searchd index: full build, incremental sync, bad files, the write lock."""

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from searchd.config import Config
from searchd.errors import IndexLockedError, NoIndexError
from searchd.index import open_index, write_lock
from searchd.search import Engine
from searchd.sync import sync_index


def ids(config: Config) -> set[str]:
    with open_index(config.index).searcher() as s:
        return {f["id"] for f in s.all_stored_fields()}


def test_build_indexes_every_file(config: Config) -> None:
    report = sync_index(config)
    assert report.rebuilt and report.added == 4 and not report.skipped
    assert ids(config) == {"kat.txt", "fiets.txt", "sub/begroting.txt", "zonder-datum.txt"}


def test_second_sync_does_nothing(built: Config) -> None:
    report = sync_index(built)
    assert not report.changed and report.unchanged == 4
    assert "nothing to do" in report.summary()


def test_add_change_delete(built: Config, seeds: Path) -> None:
    (seeds / "nieuw.txt").write_text(" date 2018-05 Nieuw\n\nEen olifant in de kamer.")
    (seeds / "fiets.txt").write_text(" date 2016-03 Fietsen\n\nNu over giraffen.")
    (seeds / "kat.txt").unlink()
    report = sync_index(built)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 2)
    engine = Engine(built)
    assert [h.id for h in engine.search("olifant").hits] == ["nieuw.txt"]
    assert [h.id for h in engine.search("giraffen").hits] == ["fiets.txt"]
    assert engine.search("gemeente").total == 0
    assert engine.search("strijders").total == 0


def test_touch_without_change_is_unchanged(built: Config, seeds: Path) -> None:
    os.utime(seeds / "kat.txt", ns=(1, 1))
    report = sync_index(built)
    assert not report.changed and report.unchanged == 4
    assert not sync_index(built).changed


def test_bad_files_are_skipped_by_name_and_the_rest_indexed(config: Config,
                                                             seeds: Path) -> None:
    (seeds / "leeg.txt").write_bytes(b"")
    (seeds / "plaatje.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (seeds / "latin1.txt").write_bytes(" date 2017-02 Caf\xe9\n\nkoffie".encode("cp1252"))
    report = sync_index(config)
    assert dict(report.skipped).keys() == {"leeg.txt", "plaatje.txt"}
    assert "empty" in dict(report.skipped)["leeg.txt"]
    assert any(doc_id == "latin1.txt" for doc_id, _ in report.warnings)
    assert report.added == 5
    again = sync_index(config)
    assert not again.changed and len(again.skipped) == 2


def test_file_that_turns_bad_leaves_the_index(built: Config, seeds: Path) -> None:
    (seeds / "kat.txt").write_bytes(b"")
    report = sync_index(built)
    assert report.skipped == [("kat.txt", "empty file")]
    assert "kat.txt" not in ids(built)


def test_rebuild_starts_from_scratch(built: Config) -> None:
    report = sync_index(built, rebuild=True)
    assert report.rebuilt and report.added == 4
    leftovers = [p.name for p in built.index.iterdir() if p.name.startswith("manifest-")]
    assert len(leftovers) == 1


def test_changed_stemmer_rebuilds(built: Config) -> None:
    from dataclasses import replace

    report = sync_index(replace(built, stemmer="dutch"))
    assert report.rebuilt


def test_second_writer_is_refused(built: Config) -> None:
    with write_lock(built.index):
        with pytest.raises(IndexLockedError):
            sync_index(built)


def test_rename_moves_the_document(built: Config, seeds: Path) -> None:
    (seeds / "kat.txt").rename(seeds / "sub" / "poes.txt")
    report = sync_index(built)
    assert (report.added, report.removed, report.unchanged) == (1, 1, 3)
    assert [h.id for h in Engine(built).search("strijders").hits] == ["sub/poes.txt"]


def test_an_index_of_another_schema_version_is_not_searched_but_rebuilt(built: Config) -> None:
    """Its files may be laid out otherwise (term vectors changed with version 11): a search
    says how to rebuild it, and the next sync does."""
    db = next(built.index.glob("manifest-*.db"))
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE meta SET value = 's10:' || substr(value, instr(value, ':') + 1)"
                     " WHERE key = 'analysis'")
    with pytest.raises(NoIndexError, match="another version of searchd"):
        Engine(built).search("stad")
    assert sync_index(built).rebuilt
    assert [h.id for h in Engine(built).search("strijders").hits] == ["kat.txt"]


def test_a_sync_of_paths_looks_at_those_files_alone(built: Config, seeds: Path) -> None:
    """A watcher's sync: only the files it names are compared, read and written; another
    change waits for a sync of the whole folder."""
    (seeds / "nieuw.txt").write_text(" date 2018-05 Nieuw\n\nEen olifant in de kamer.")
    (seeds / "ander.txt").write_text(" date 2018-05 Ander\n\nEen giraf in de tuin.")
    (seeds / "fiets.txt").write_text(" date 2016-03 Fietsen\n\nNu over zebra's.")
    (seeds / "kat.txt").unlink()
    named = [seeds / "nieuw.txt", seeds / "fiets.txt", seeds / "kat.txt",
             seeds / "sub" / "begroting.txt", seeds / "notities.md", seeds / ".verborgen.txt"]
    report = sync_index(built, paths=[str(p) for p in named])
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 1)
    assert ids(built) == {"nieuw.txt", "fiets.txt", "sub/begroting.txt", "zonder-datum.txt"}
    report = sync_index(built)  # the whole folder: ander.txt too
    assert (report.added, report.unchanged) == (1, 4)


def test_a_sync_of_paths_checks_everything_when_a_path_is_a_folder(built: Config,
                                                                   seeds: Path) -> None:
    (seeds / "map.txt").mkdir()
    (seeds / "map.txt" / "binnen.txt").write_text(" date 2018-05 Binnen\n\nEen olifant.")
    report = sync_index(built, paths=[str(seeds / "map.txt")])
    assert (report.added, report.unchanged) == (1, 4)
    assert "map.txt/binnen.txt" in ids(built)


def test_a_sync_of_paths_outside_the_folder_checks_everything(built: Config, seeds: Path,
                                                              tmp_path: Path) -> None:
    (seeds / "nieuw.txt").write_text(" date 2018-05 Nieuw\n\nEen olifant in de kamer.")
    report = sync_index(built, paths=[str(tmp_path / "elders.txt")])
    assert (report.added, report.unchanged) == (1, 4)


def test_the_manifest_keeps_what_path_syncs_wrote(built: Config, seeds: Path) -> None:
    """Rows written one sync at a time add up to the state a full check finds unchanged."""
    for n in range(3):
        path = seeds / f"stap{n}.txt"
        path.write_text(f" date 2018-05 Stap {n}\n\nEen olifant {n}.")
        assert sync_index(built, paths=[str(path)]).added == 1
    (seeds / "stap1.txt").unlink()
    assert sync_index(built, paths=[str(seeds / "stap1.txt")]).removed == 1
    report = sync_index(built)
    assert not report.changed and report.unchanged == 6


def test_a_json_manifest_of_an_older_searchd_is_taken_over(built: Config) -> None:
    """Before the database the manifest was JSON: an upgrade reads it and converts it,
    rather than rebuilding the index."""
    from searchd.manifest import load, path

    name = next(built.index.glob("manifest-*.db")).name[len("manifest-"):-len(".db")]
    state = load(built.index, name)
    assert state is not None
    path(built.index, name).unlink()
    (built.index / f"manifest-{name}.json").write_text(json.dumps({
        "version": 2, "indexname": name, "analysis": state.analysis,
        "generation": state.generation,
        "files": {k: list(v) for k, v in state.files.items()}}), encoding="utf-8")
    report = sync_index(built)
    assert not report.rebuilt and report.unchanged == 4
    assert not (built.index / f"manifest-{name}.json").exists()
    assert load(built.index, name) == state


def test_one_file_syncs_merge_small_segments_and_keep_their_snippets(built: Config,
                                                                    seeds: Path) -> None:
    """A watcher adds files one sync at a time; Whoosh then merges the small segments, term
    vectors (searchd's own layout) included. That merge failed once, so every sync after
    the fifth small one failed too."""
    for n in range(8):
        (seeds / f"klein{n}.txt").write_text(f" date 2019-01 Klein {n}\n\nDe olifant nummer {n}.")
        assert sync_index(built, paths=[str(seeds / f"klein{n}.txt")]).added == 1
    with open_index(built.index).reader() as reader:
        assert len(list(reader.leaf_readers())) < 8  # merged
    hits = Engine(built).search("olifant", limit=20).hits
    assert len(hits) == 8
    assert all("<mark>olifant</mark> nummer" in hit.snippet for hit in hits)
    assert "<mark>strijders</mark>" in Engine(built).search("strijders").hits[0].snippet


def test_a_large_sync_uses_the_configured_processes(config: Config, seeds: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    import searchd.sync as sync

    for n in range(250):
        (seeds / f"veel{n}.txt").write_text(f" date 2019-01 Veel {n}\n\nDe olifant {n}.")
    shares: list[int] = []
    real = sync.shares_by_size
    monkeypatch.setattr(sync, "shares_by_size",
                        lambda jobs, size, procs: shares.append(procs) or real(jobs, size, procs))
    assert sync_index(replace(config, index_processes=1)).added == 254
    assert shares == []  # one process: this one
    assert sync_index(replace(config, index_processes=2), rebuild=True).added == 254
    assert shares == [2]


def test_opening_the_index_outlasts_a_commit_that_replaces_its_table_of_contents(
        built: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoosh lists the newest table of contents, then a commit in another process deletes
    it before it is read (seen with a watcher's frequent syncs): the open is tried again."""
    from searchd.storage import files

    real, failures = files.exists, [2]

    def racing(folder: Path, name: str) -> bool:
        if failures[0]:
            failures[0] -= 1
            raise FileNotFoundError(2, "No such file or directory", f"_{name}_1.toc")
        return real(folder, name)

    monkeypatch.setattr(files, "exists", racing)
    assert open_index(built.index).doc_count() == 4
    failures[0] = 100
    with pytest.raises(NoIndexError, match="cannot be opened"):
        open_index(built.index)
