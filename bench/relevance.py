#!/usr/bin/env python3
"""Relevance of searchd and its peers on the same graded sets, side by side:

    .venv/bin/pip install -e '.[bench]'      # tantivy, bm25s, PyStemmer
    .venv/bin/python bench/relevance.py --topical DIR [--knownitem DIR] [--json out.json]

DIR is an unpacked set of ../shared/corpus (docs/, queries.tsv, qrels.tsv, and for the
topical set queries-typo.tsv). Each engine indexes the set's documents in a scratch folder
and answers every query 100 deep; the figures are searchd's own (searchd.evaluation):
nDCG@10 (gains 2^grade - 1), P@10, MAP@100, MRR@10, Success@10. Peers as their documentation
shows them: stock Whoosh with LanguageAnalyzer("nl") and an OR parser (title^2); tantivy
with its Dutch stemmer (title^2); bm25s with PyStemmer's Dutch (Kraaij-Pohlmann) stemmer.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402
from engines import Doc, read_docs  # noqa: E402

from searchd.evaluation import read_qrels, read_queries, score_run  # noqa: E402

DEPTH = 100


class Searchd(engines.Searchd):
    """searchd with its default configuration."""


class WhooshTitle2(engines.StockWhoosh):
    """Stock Whoosh, title matches boosted 2x."""

    def open(self, corpus: Path, folder: Path) -> None:
        from whoosh import index
        from whoosh.qparser import MultifieldParser, OrGroup

        # (its schema given: searchd's unpickler refuses stock Whoosh's analyzer classes)
        self.ix = index.open_dir(str(folder), schema=self._schema())
        self.parser = MultifieldParser(["title", "body"], self.ix.schema, group=OrGroup,
                                       fieldboosts={"title": 2.0})
        self.searcher = self.ix.searcher()


class TantivyTitle2(engines.Tantivy):
    """tantivy with its Dutch stemmer, title matches boosted 2x; a query it cannot parse
    is searched as its words."""

    def search(self, text: str, snippets: bool) -> list[str]:
        try:
            query = self.ix.parse_query(text, ["title", "body"], field_boosts={"title": 2.0})
        except ValueError:
            words = " ".join(w for w in text.replace('"', " ").split() if w.isalnum())
            query = self.ix.parse_query(words or "x", ["title", "body"])
        hits = self.searcher.search(query, engines.LIMIT).hits
        return [self.searcher.doc(address)["id"][0] for _, address in hits]


class Bm25s(engines.Engine):
    """bm25s (BM25, Lucene's variant) over title and body, PyStemmer's Dutch stemmer."""

    name = "bm25s"

    def build(self, corpus: Path, folder: Path) -> None:
        self.open(corpus, folder)

    def open(self, corpus: Path, folder: Path) -> None:
        import bm25s
        import Stemmer

        docs = list(read_docs(corpus))
        self.ids = [d.id for d in docs]
        self.stemmer = Stemmer.Stemmer("dutch")
        tokens = bm25s.tokenize([f"{d.title} {d.title} {d.body}" for d in docs],
                                stopwords="nl", stemmer=self.stemmer, show_progress=False)
        self.model = bm25s.BM25()
        self.model.index(tokens, show_progress=False)

    def add_one(self, doc: Doc, corpus: Path) -> None:
        raise NotImplementedError

    def search(self, text: str, snippets: bool) -> list[str]:
        import bm25s

        query = bm25s.tokenize([text], stopwords="nl", stemmer=self.stemmer,
                               show_progress=False)
        if not query.vocab:
            return []
        found, _ = self.model.retrieve(query, k=min(engines.LIMIT, len(self.ids)),
                                       show_progress=False)
        return [self.ids[int(i)] for i in found[0]]


PEERS = {"searchd": Searchd, "searchd-flat": engines.SearchdFlat, "whoosh": WhooshTitle2,
         "tantivy": TantivyTitle2, "bm25s": Bm25s}


def evaluate(engine: Any, folder: Path, query_files: list[Path],
             qrels: Path) -> dict[str, dict[str, float]]:
    """Figures of one engine on one set: a row per query file."""
    judged = read_qrels(qrels)
    rows = {}
    for path in query_files:
        run = {qid: engine.search(text, False) for qid, text in read_queries(path).items()}
        report = score_run(run, judged)
        rows[path.name] = {k: round(v, 4) for k, v in report.__dict__.items()}
    return rows


def run_engine(name: str, folder: Path, query_files: list[Path]) -> dict[str, Any]:
    """Build one engine on a set's documents and score it."""
    engine = PEERS[name]()
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        engine.build(folder / "docs", Path(scratch))
        engine.open(folder / "docs", Path(scratch))
        built = time.perf_counter() - started
        rows = evaluate(engine, folder, query_files, folder / "qrels.tsv")
    return {"build_s": round(built, 1), **rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--topical", type=Path, help="the unpacked topical set")
    parser.add_argument("--knownitem", type=Path, help="the unpacked known-item set")
    parser.add_argument("--engines", default=",".join(PEERS))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    engines.LIMIT = DEPTH
    sets = []
    if args.topical:
        sets.append(("topical", args.topical, [args.topical / "queries.tsv",
                                               args.topical / "queries-typo.tsv"]))
    if args.knownitem:
        sets.append(("known-item", args.knownitem, [args.knownitem / "queries.tsv"]))
    results: dict[str, Any] = {}
    for label, folder, files in sets:
        for name in args.engines.split(","):
            try:
                figures = run_engine(name, folder, files)
            except ImportError as exc:
                print(f"{label:>10} {name:>8}: skipped ({exc.name} is not installed)")
                continue
            results.setdefault(label, {})[name] = figures
            for file, row in figures.items():
                if isinstance(row, dict):
                    print(f"{label:>10} {name:>8} {file:<18} nDCG@10 {row['ndcg10']:.4f}  "
                          f"P@10 {row['p10']:.4f}  MAP@100 {row['map100']:.4f}  "
                          f"MRR@10 {row['mrr10']:.4f}  S@10 {row['success10']:.4f}",
                          flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
