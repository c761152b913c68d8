"""The click commands, through CliRunner."""

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchd.cli import main
from searchd.config import Config
from searchd.index import write_lock

from .conftest import run


def test_index_then_nothing_to_do(runner: CliRunner, config: Config) -> None:
    first = run(runner, config, "index")
    assert "4 indexed" in first.output and "0 skipped" in first.output
    assert "nothing to do" in run(runner, config, "index").output
    assert "rebuilt" in run(runner, config, "index", "--rebuild").output


def test_index_reports_skipped_files(runner: CliRunner, config: Config, seeds: Path) -> None:
    (seeds / "leeg.txt").write_bytes(b"")
    result = run(runner, config, "index")
    assert "skipped leeg.txt: empty file" in result.output


def test_index_waits_for_another_writer(runner: CliRunner, config: Config) -> None:
    held, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        with write_lock(config.index):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        held.wait(5)
        refused = run(runner, config, "index", "--wait", "0", ok=False)
        assert "another process is writing the index" in refused.output
        threading.Timer(0.5, release.set).start()
        assert "4 indexed" in run(runner, config, "index").output  # waits by default
    finally:
        release.set()
        thread.join()


def test_search_text_and_json(runner: CliRunner, built: Config) -> None:
    text = run(runner, built, "search", "strijder").output
    assert "1 results" in text and "kat.txt" in text and "strijders" in text
    data = json.loads(run(runner, built, "search", "stad", "--json", "--limit", "1").output)
    assert data["total"] == 2 and data["limit"] == 1 and len(data["hits"]) == 1
    assert list(data["hits"][0]) == ["id", "title", "date", "score", "snippet", "format",
                                     "author", "missing",
                                     "duplicate_count", "duplicates"]


def test_did_you_mean(runner: CliRunner, built: Config) -> None:
    assert "Did you mean: strijders" in run(runner, built, "search", "strijdres").output
    data = json.loads(run(runner, built, "search", "strijders", "--json").output)
    assert data["suggestion"] is None


def test_search_filters(runner: CliRunner, built: Config) -> None:
    out = run(runner, built, "search", "stad", "--since", "2017-01", "--json").output
    assert [h["id"] for h in json.loads(out)["hits"]] == ["kat.txt"]


def test_batch_prints_trec_run_lines(runner: CliRunner, built: Config, tmp_path: Path) -> None:
    queries = tmp_path / "q.tsv"
    queries.write_text("q1\tstrijders\nq2\tfietsen naar het werk\n")
    lines = run(runner, built, "search", "--queries", str(queries)).output.splitlines()
    assert lines[0].startswith("q1 Q0 kat.txt 1 ") and lines[0].endswith(" searchd")
    assert lines[1].split()[:4] == ["q2", "Q0", "fiets.txt", "1"]


def test_eval(runner: CliRunner, built: Config, tmp_path: Path) -> None:
    (tmp_path / "q.tsv").write_text("q1\tstrijders\nq2\tbegroting tekort\n")
    (tmp_path / "qrels.tsv").write_text("q1\tkat.txt\t1\nq2\tfiets.txt\t1\n")
    out = run(runner, built, "eval", str(tmp_path / "q.tsv"), str(tmp_path / "qrels.tsv"),
              "--json").output
    figures = json.loads(out)
    assert figures["queries"] == 2 and figures["success10"] == 0.5 and figures["mrr10"] == 0.5


def test_show_stats_analyze(runner: CliRunner, built: Config) -> None:
    assert "Syrisch-Koerdische" in run(runner, built, "show", "kat.txt").output
    assert "documents: 4" in run(runner, built, "stats").output.replace("  ", " ")
    out = run(runner, built, "analyze", "IS-strijders").output
    assert "-> isstrijder" in out and "-> strijder" in out


def test_errors_are_one_line_without_traceback(runner: CliRunner, config: Config) -> None:
    result = run(runner, config, "search", "stad", ok=False)
    assert "no index" in result.output and "searchd index" in result.output
    assert "Traceback" not in result.output
    run(runner, config, "index")
    assert "since must be" in run(runner, config, "search", "x", "--since", "17",
                                  ok=False).output
    assert "no document" in run(runner, config, "show", "nope.txt", ok=False).output


def test_bad_config_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    conf = tmp_path / "c.toml"
    conf.write_text("[server]\nport = 99999\n")
    result = runner.invoke(main, ["--config", str(conf), "stats"])
    assert result.exit_code != 0 and "[server] port" in result.output


def test_show_json_is_the_api_shape(runner: CliRunner, built: Config) -> None:
    from searchd.web import create_app

    cli = json.loads(run(runner, built, "show", "kat.txt", "--json").output)
    api = create_app(built).test_client().get("/api/doc/kat.txt").get_json()
    assert cli == api and list(cli) == ["id", "title", "date", "body", "format", "author",
                                        "part", "parts"]


def test_an_unexpected_error_is_one_line_and_a_log(config: Config, monkeypatch,
                                                   capsys) -> None:  # type: ignore[no-untyped-def]
    """A bug's traceback goes to a log file; the user sees one line that names it."""
    import pytest

    import searchd.cli as cli
    import searchd.sync as sync

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyError("manifest")

    conf = config.index.parent / "config.toml"
    conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    monkeypatch.setattr(sync, "sync_index", broken)
    monkeypatch.setattr("sys.argv", ["searchd", "--config", str(conf), "index"])
    with pytest.raises(SystemExit) as exited:
        cli.run()
    assert exited.value.code == 70
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("Error: unexpected KeyError: 'manifest' (details in ")
    log = Path(err.rsplit("details in ", 1)[1].rstrip(")"))
    assert "Traceback" in log.read_text() and "broken" in log.read_text()
    log.unlink()


def test_an_os_error_is_one_line(runner: CliRunner, config: Config, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import errno

    import searchd.sync as sync

    def full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.EIO, "Input/output error", "index/x.seg")

    monkeypatch.setattr(sync, "sync_index", full)
    result = run(runner, config, "index", ok=False)
    assert result.output.strip() == "Error: Input/output error: index/x.seg"


def test_eval_graded_figures_and_more_query_files(runner: CliRunner, built: Config,
                                                  tmp_path: Path) -> None:
    (tmp_path / "q.tsv").write_text("q1\tstrijders\nq2\tfietsen werk\n")
    (tmp_path / "typo.tsv").write_text("q1\tstrjders\nq2\tfietsen werk\n")
    (tmp_path / "qrels.tsv").write_text("q1\tkat.txt\t2\nq2\tfiets.txt\t1\nq2\tkat.txt\t0\n")
    out = run(runner, built, "eval", str(tmp_path / "q.tsv"), str(tmp_path / "qrels.tsv"),
              "--queries", str(tmp_path / "typo.tsv"), "--json").output
    figures = json.loads(out)
    clean = figures[str(tmp_path / "q.tsv")]
    assert clean["p10"] == 0.1 and clean["map100"] == 1.0 and clean["ndcg10"] == 1.0
    assert set(figures) == {str(tmp_path / "q.tsv"), str(tmp_path / "typo.tsv")}
    text = run(runner, built, "eval", str(tmp_path / "q.tsv"), str(tmp_path / "qrels.tsv"))
    assert "MAP@100     1.0000" in text.output and "P@10        0.1000" in text.output


def test_a_reader_that_stops_ends_the_output_quietly(built: Config, tmp_path: Path) -> None:
    """`searchd ... | head`: when the reader closes the pipe, searchd stops without an
    error line (it printed "Error: Broken pipe")."""
    import subprocess
    import sys

    conf = built.index.parent / "config.toml"
    conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    queries = tmp_path / "q.tsv"
    queries.write_text("".join(f"q{n}\tstrijders fietsen stad\n" for n in range(20_000)))
    with subprocess.Popen([sys.executable, "-m", "searchd", "--config", str(conf), "search",
                           "--queries", str(queries)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(100)  # more than a pipe holds is still to come
        proc.stdout.close()
        assert proc.stderr.read() == b""
        assert proc.wait(timeout=60) != 0


def test_what_file_names_and_texts_hold_cannot_act_on_the_terminal(
        runner: CliRunner, config: Config, seeds: Path) -> None:
    """An escape sequence and a line break in a file's name, C1 controls and a bidi override
    in its text: search, show and --queries print them escaped."""
    from searchd.sync import sync_index

    name = "rood\x1b[31m\nnep.txt"
    (seeds / name).write_bytes(" date 2020-01 Titel\u202e omgekeerd\n\nDe walrus\u009b31m zwemt."
                               .encode())
    sync_index(config)
    found = run(runner, config, "search", "walrus")
    shown = run(runner, config, "show", name)
    queries = config.seeds.parent / "q.tsv"
    queries.write_text("1\twalrus\n", encoding="utf-8")
    batch = run(runner, config, "search", "--queries", str(queries))
    for output in (found.output, shown.output, batch.output):
        assert "\x1b" not in output and "\u202e" not in output and "\x9b" not in output
        assert "\\x1b[31m\\x0anep.txt" in output
    assert "\\u202e" in found.output and "De walrus 31m zwemt." in shown.output


def test_a_snapshot_folder_named_with_escape_codes_is_echoed_escaped(
        runner: CliRunner, built: Config, tmp_path: Path) -> None:
    destination = tmp_path / "snap\x1b]0;OWNED\x07"
    result = run(runner, built, "snapshot", str(destination))
    assert "\x1b" not in result.output and "\\x1b]0;OWNED\\x07" in result.output


def test_a_query_that_starts_with_a_minus_and_batch_options_that_clash(
        runner: CliRunner, built: Config, tmp_path: Path) -> None:
    """`searchd search -fiets` was "No such option '-f'"; `--queries F --json` printed TREC
    lines and ignored --json."""
    result = run(runner, built, "search", "-fiets")
    assert "results for '-fiets'" in result.output
    queries = tmp_path / "q.tsv"
    queries.write_text("1\tfiets\n", encoding="utf-8")
    clash = run(runner, built, "search", "--queries", str(queries), "--json", ok=False)
    assert "without --json" in clash.output
    clash = run(runner, built, "search", "stad", "--queries", str(queries), ok=False)
    assert "without a QUERY" in clash.output


def test_a_page_past_the_last_is_a_usage_error(runner: CliRunner, built: Config) -> None:
    result = run(runner, built, "search", "stad", "--page", "99", ok=False)
    assert result.exit_code == 2 and "past the last page" in result.output


def test_anywhere_without_an_index_it_names_the_config_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runner) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHD_CONFIG", raising=False)
    for args in (["stats"], ["search", "stad"], ["show", "x.txt"], ["analytics"],
                 ["snapshot", str(tmp_path / "snap")]):
        result = runner.invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 1, result.output
        assert "no index in" in result.output and "--config" in result.output, args
    assert list(tmp_path.iterdir()) == []  # no index folder, no write.lock


def test_stats_are_in_human_units(runner, built) -> None:
    shown = run(runner, built, "stats").output
    assert "index size:" in shown and " kB" in shown and "last sync:" in shown
    assert "ago" in shown or "just now" in shown
    assert "compounds: split" in shown and "stemmer: dutch_porter" in shown
