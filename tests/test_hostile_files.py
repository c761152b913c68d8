"""Hostile seed files: each is reported by name with a reason; every good file is indexed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchd.cli import main
from searchd.config import Config
from searchd.search import Engine
from searchd.sync import sync_index

from .conftest import before_reading

GOOD = " date 2017-05 Goed\n\nEen gewone tekst over de haven van Antwerpen.\n"


@pytest.fixture
def hostile(seeds: Path, tmp_path: Path) -> Path:
    """The seeds folder with one hostile file of every kind beside the good ones."""
    (seeds / "png.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000))
    (seeds / "random.txt").write_bytes(bytes(range(256)) * 40)
    latin1 = " date 2017-05 Caf\xe9\n\nKoffie in het caf\xe9."
    (seeds / "latin1.txt").write_bytes(latin1.encode("cp1252"))
    (seeds / "utf16.txt").write_bytes(" date 2017-05 Zestien\n\nTekst in UTF-16.".encode("utf-16"))
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "header-only.txt").write_text(" date 2017-05 Alleen een kop\n")
    (seeds / "month13.txt").write_text(" date 2017-13 Dertiende maand\n\nTekst.")
    (seeds / "yesterday.txt").write_text(" date yesterday Gisteren\n\nTekst.")
    with open(seeds / "huge.txt", "wb") as fh:  # sparse: 100 MB without using the disk
        fh.truncate(100 * 1024 * 1024)
    (seeds / "longline.txt").write_text(" date 2017-05 Lang\n\n" + "woord " * 200_000)
    (seeds / "nul.txt").write_bytes(b" date 2017-05 Nul\n\n" + b"a" * 9000 + b"\x00b tekst")
    (seeds / "loop.txt").symlink_to(seeds / "loop.txt")
    outside = tmp_path / "outside.txt"
    outside.write_text(GOOD)
    (seeds / "outside.txt").symlink_to(outside)
    (seeds / "inside.txt").symlink_to(seeds / "kat.txt")
    return seeds


def test_every_hostile_file_is_reported_and_the_rest_indexed(config: Config,
                                                             hostile: Path) -> None:
    report = sync_index(config)
    skipped = dict(report.skipped)
    assert set(skipped) == {"png.txt", "random.txt", "empty.txt", "huge.txt", "loop.txt",
                            "outside.txt"}
    assert "binary" in skipped["png.txt"] and "binary" in skipped["random.txt"]
    assert "empty" in skipped["empty.txt"] and "MB" in skipped["huge.txt"]
    assert "outside the seeds folder" in skipped["outside.txt"]
    assert skipped["loop.txt"] == "cannot read: Too many levels of symbolic links"  # ELOOP
    warned = {doc_id for doc_id, _ in report.warnings}
    assert {"latin1.txt", "utf16.txt", "header-only.txt", "month13.txt", "yesterday.txt",
            "nul.txt"} <= warned
    engine = Engine(config)
    assert [h.id for h in engine.search("koffie").hits] == ["latin1.txt"]
    assert [h.id for h in engine.search("zestien").hits] == ["utf16.txt"]
    assert engine.search("strijders").total == 2  # kat.txt and the link inside the folder
    assert engine.search("woord").total == 1
    assert engine.searcher().doc_count() == 4 + 8


def test_a_file_deleted_between_listing_and_reading(config: Config, seeds: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Gone by the time it is read: not a document (nor an error), the others indexed."""
    before_reading(monkeypatch, "fiets.txt", lambda path: path.unlink())
    report = sync_index(config)
    assert report.skipped == [] and report.added == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file(config: Config, seeds: Path) -> None:
    (seeds / "geheim.txt").write_text(GOOD)
    (seeds / "geheim.txt").chmod(0)
    report = sync_index(config)
    assert "cannot read" in dict(report.skipped)["geheim.txt"]


def test_exit_status_and_strict(runner: CliRunner, config: Config, seeds: Path) -> None:
    (seeds / "empty.txt").write_bytes(b"")
    conf = config.index.parent / "config.toml"
    conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    lenient = runner.invoke(main, ["--config", str(conf), "index"])
    assert lenient.exit_code == 0 and "skipped empty.txt: empty file" in lenient.output
    strict = runner.invoke(main, ["--config", str(conf), "index", "--strict"])
    assert strict.exit_code == 1 and "1 file(s) skipped" in strict.output


def test_special_files_are_named_and_skipped_never_read(config: Config, seeds: Path,
                                                        tmp_path: Path) -> None:
    """A FIFO (reading it would wait for a writer forever), a socket and a device called
    *.txt are skipped with what they are; the rest is indexed, at once."""
    import socket
    import threading

    os.mkfifo(seeds / "pijp.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(seeds / "sok.txt"))
    (seeds / "nul-apparaat.txt").symlink_to("/dev/zero")  # a device inside the folder? no:
    (seeds / "nul-apparaat.txt").unlink()                 # a link out is refused anyway
    (seeds / "nieuw.txt").write_text(GOOD)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(sync_index(config)), daemon=True)
    worker.start()
    worker.join(20)
    sock.close()
    assert done, "the sync blocked on the FIFO"
    report = done[0]
    skipped = dict(report.skipped)  # type: ignore[attr-defined]
    assert skipped["pijp.txt"].startswith("a FIFO (named pipe), not a regular file")
    assert skipped["sok.txt"].startswith("a socket, not a regular file")
    assert report.added == 5  # type: ignore[attr-defined]


def test_a_file_that_turns_into_a_fifo_after_the_scan(config: Config, seeds: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Checked again after opening, without blocking: a race cannot wedge the sync."""
    def swap(path: Path) -> None:
        path.unlink()
        os.mkfifo(path)

    before_reading(monkeypatch, "fiets.txt", swap)
    report = sync_index(config)
    assert dict(report.skipped)["fiets.txt"].startswith("a FIFO")
    assert report.added == 3


def test_names_that_are_not_utf8_or_hold_control_characters(runner: CliRunner, config: Config,
                                                            seeds: Path) -> None:
    """A name that is not valid UTF-8 is skipped with its bytes escaped, one line; the other
    new files of the same sync are indexed; a newline in a name cannot forge a line."""
    folder = os.fsencode(seeds / "raar")
    os.mkdir(folder)
    with open(os.path.join(folder, b"slecht\xffnaam.txt"), "w") as fh:
        fh.write(GOOD)
    (seeds / "raar" / "regel\nskipped nep.txt: vals.txt").write_text("Antwerpen zonder kop.")
    (seeds / "raar" / "kleur\x1b[31m.txt").write_text(GOOD)
    for n in range(7):
        (seeds / "raar" / f"goed{n}.txt").write_text(GOOD)
    conf = config.index.parent / "config.toml"
    conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    result = runner.invoke(main, ["--config", str(conf), "index"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "skipped raar/slecht\\udcffnaam.txt: the file name is not valid UTF-8; rename it " \
           "to have it indexed" in lines
    assert not any(line.startswith("skipped nep.txt") for line in lines)
    assert any(line.startswith("warning raar/regel\\x0askipped nep.txt: vals.txt: no ")
               for line in lines)
    assert "\x1b" not in result.output
    engine = Engine(config)
    assert engine.search("antwerpen").total == 7 + 2  # the seven, and the two odd names
    again = sync_index(config)  # and again: still skipped, nothing else
    assert [reason for _, reason in again.skipped] == [
        "the file name is not valid UTF-8; rename it to have it indexed"]
