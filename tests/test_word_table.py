"""The word-analysis table: written by large syncs, read by the next, never across analyses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchd import word_table
from searchd.analysis import analyzer
from searchd.config import Config
from searchd.search import Engine
from searchd.sync import EXPAND_FROM, PARALLEL_FROM, sync_index

from .conftest import write_seeds


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """This process's words' caches emptied before and after (as in a new process)."""
    analyzer._WORD_CACHES.clear()
    yield
    analyzer._WORD_CACHES.clear()


def _many(count: int, word: str = "zebra") -> dict[str, str]:
    """count documents, each with a word of its own (wordNNNNa) and a shared one."""
    return {f"many/{n:04d}.txt": f" date 2019-01 Stuk {n}\n\nEen {word} en het "
            f"woord{n:04d}a in de hoofdstad." for n in range(count)}


def _tables(config: Config) -> list[Path]:
    return sorted(config.index.glob("words-*.tsv"))


def _table(config: Config) -> dict[str, str]:
    (path,) = _tables(config)
    lines = path.read_text(encoding="utf-8").split("\n")[1:-1]
    return dict(line.split("\t") for line in lines)


def test_a_large_sync_keeps_its_words_and_a_rebuild_reads_them(
        config: Config, seeds: Path, fresh_cache: None) -> None:
    sync_index(config)  # four documents: too few to keep a table
    assert _tables(config) == []
    write_seeds(seeds, _many(EXPAND_FROM))
    sync_index(config)
    table = _table(config)
    assert table["hoofdstad"] == "hoofdstad ~hoofd ~stad"  # the compound and its parts
    assert table["de"] == "" and table["woord0003a"] == "woord0003a"
    analyzer._WORD_CACHES.clear()  # a new process
    before = {q: [h.id for h in Engine(config).search(q).hits] for q in ("stad", "zebra")}
    sync_index(config, rebuild=True)
    cache, _ = analyzer.word_cache("dutch_porter", True)
    assert "woord0003a" in cache  # read from the table, not analysed again
    assert {q: [h.id for h in Engine(config).search(q).hits] for q in before} == before


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: a sync forks no worker")
def test_the_words_of_worker_processes_join_the_table(config: Config, seeds: Path,
                                                      fresh_cache: None) -> None:
    count = 2 * PARALLEL_FROM  # two shares: one written here, one in a forked worker
    write_seeds(seeds, _many(count))
    sync_index(config)
    table = _table(config)
    assert all(f"woord{n:04d}a" in table for n in range(count))


def test_a_table_of_another_analysis_is_never_read(config: Config, seeds: Path,
                                                   fresh_cache: None) -> None:
    write_seeds(seeds, _many(EXPAND_FROM))
    sync_index(config)
    (path,) = _tables(config)
    stale = config.index / "words-0000000000000000.tsv"
    stale.write_text("# searchd word analysis s1:other\nzebra\tpaard\n", encoding="utf-8")
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(["# searchd word analysis s1:other", *lines[1:]]),
                    encoding="utf-8")  # right name, wrong analysis: not read either
    analyzer._WORD_CACHES.clear()
    sync_index(config, rebuild=True)
    assert [h.id for h in Engine(config).search("zebra", limit=1).hits]  # not "paard"
    assert _tables(config) == [path] and "zebra" in _table(config)  # rewritten; stale gone


def test_a_missing_or_unreadable_table_is_no_error(tmp_path: Path, fresh_cache: None) -> None:
    analysis = word_table.Analysis("s1:x", "dutch_porter", True)
    assert word_table.load(tmp_path / "nowhere", analysis) == 0
    word_table.table_path(tmp_path, analysis).write_bytes(b"\xff\xfe not text")
    assert word_table.load(tmp_path, analysis) == 0
