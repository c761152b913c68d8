"""Known-item relevance on the real corpus in ../shared (skipped where it is absent).

Indexes the 1,939 Belgian Chamber questions of Q1 2017 with their titles removed and searches
each original title: the document it belongs to should come first.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from searchd.config import config_from_dict
from searchd.evaluation import read_qrels, read_queries, score_run
from searchd.search import Engine
from searchd.sync import sync_index

from .conftest import shared_file

ARCHIVE = "corpus/be-kamer-2017-q1-knownitem.tar.xz"
pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def known_item(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The known-item set, unpacked into a scratch folder."""
    archive = shared_file(ARCHIVE)
    target = tmp_path_factory.mktemp("knownitem")
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return next(target.iterdir())


def test_known_item_mrr(known_item: Path, tmp_path: Path) -> None:
    config = config_from_dict({"paths": {"seeds": str(known_item / "docs"),
                                         "index": str(tmp_path / "index")}}, tmp_path)
    sync_index(config)
    engine = Engine(config)
    queries = read_queries(known_item / "queries.tsv")
    run = {qid: [h.id for h in engine.search(text, snippets=False, facets=False).hits]
           for qid, text in queries.items()}
    report = score_run(run, read_qrels(known_item / "qrels.tsv"))
    assert report.queries == 1664
    assert report.mrr10 >= 0.87          # issue targets: 0.85 (end to end), 0.87 (Dutch)
    assert report.success10 >= 0.965     # a guard against regressions; the target is 0.975
