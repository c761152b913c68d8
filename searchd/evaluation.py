"""Relevance evaluation: run queries, score them against graded qrels (MRR@10, Success@1 and
@10, nDCG@10 with gains 2^grade - 1, P@10, MAP@100)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import QueryError, SearchdError
from .logs import printable


@dataclass(frozen=True)
class EvalReport:
    """Mean scores over the judged queries."""

    queries: int
    mrr10: float
    success1: float
    success10: float
    ndcg10: float
    p10: float = 0.0
    map100: float = 0.0

    def lines(self) -> list[str]:
        """trec_eval-like lines."""
        return [f"queries     {self.queries}", f"MRR@10      {self.mrr10:.4f}",
                f"Success@1   {self.success1:.4f}", f"Success@10  {self.success10:.4f}",
                f"nDCG@10     {self.ndcg10:.4f}", f"P@10        {self.p10:.4f}",
                f"MAP@100     {self.map100:.4f}"]


def read_queries(path: Path) -> dict[str, str]:
    """qid<TAB>query lines -> {qid: query}."""
    queries: dict[str, str] = {}
    for number, line in enumerate(_lines(path), 1):
        qid, sep, text = line.partition("\t")
        if not sep:
            raise SearchdError(f"{path}:{number}: expected qid<TAB>query")
        queries[qid] = text
    return queries


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """qrels lines (qid docid grade, or TREC's qid 0 docid grade) -> {qid: {docid: grade}}."""
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(_lines(path), 1):
        parts = line.split()
        if len(parts) not in (3, 4) or not re.fullmatch(r"-?[0-9]+", parts[-1]):
            raise SearchdError(f"{path}:{number}: expected qid docid grade")
        qrels.setdefault(parts[0], {})[parts[-2]] = int(parts[-1])
    return qrels


def _lines(path: Path) -> Iterable[str]:
    """Non-empty lines of a UTF-8 file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SearchdError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return (line.rstrip("\r\n") for line in text.splitlines() if line.strip())


def score_run(run: Mapping[str, Sequence[str]],
              qrels: Mapping[str, Mapping[str, int]]) -> EvalReport:
    """Score ranked doc ids per query (the first 100 count) against graded judgements;
    a grade above 0 is relevant."""
    judged = [qid for qid in qrels if any(g > 0 for g in qrels[qid].values())]
    if not judged:
        raise SearchdError("no query in the qrels has a relevant document")
    rr = s1 = s10 = nd = p10 = ap = 0.0
    for qid in judged:
        ranking, grades = list(run.get(qid, []))[:100], qrels[qid]
        first = next((i for i, d in enumerate(ranking[:10]) if grades.get(d, 0) > 0), None)
        if first is not None:
            rr += 1 / (first + 1)
            s1 += first == 0
            s10 += 1
        nd += ndcg(ranking, grades)
        p10 += sum(grades.get(d, 0) > 0 for d in ranking[:10]) / 10
        ap += average_precision(ranking, grades)
    n = len(judged)
    return EvalReport(n, rr / n, s1 / n, s10 / n, nd / n, p10 / n, ap / n)


def average_precision(ranking: Sequence[str], grades: Mapping[str, int]) -> float:
    """Average precision of a ranking (as cut), over all relevant documents judged."""
    relevant = sum(g > 0 for g in grades.values())
    found = total = 0.0
    for rank, doc in enumerate(ranking, 1):
        if grades.get(doc, 0) > 0:
            found += 1
            total += found / rank
    return total / relevant if relevant else 0.0


def evaluate_engine(engine: Any, queries: Mapping[str, str],
                    qrels: Mapping[str, Mapping[str, int]], depth: int = 100) -> EvalReport:
    """Run every query on engine (a search.Engine; no snippets, no facets) to depth and
    score the run."""
    return score_run(run_queries(engine, queries, depth), qrels)


def evaluate_files(engine: Any, queries_files: Sequence[str | Path],
                   qrels_file: str | Path) -> dict[str, EvalReport]:
    """{queries file: report} of each queries file against one qrels file."""
    qrels = read_qrels(Path(qrels_file))
    return {str(name): evaluate_engine(engine, read_queries(Path(name)), qrels)
            for name in queries_files}


def run_queries(engine: Any, queries: Mapping[str, str], depth: int) -> dict[str, list[str]]:
    """{qid: ranked document ids} of each query, `depth` deep."""
    depth = min(depth, engine.config.max_limit)
    return {qid: [h.id for h in engine.search(text, limit=depth, snippets=False,
                                               facets=False).hits]
            for qid, text in queries.items()}


def ndcg(ranking: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with gains 2^grade - 1."""
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def trec_run(engine: Any, lines: Iterable[str], limit: int,
             **options: Any) -> Iterator[str]:
    """A batch search: for every line `qid<TAB>query`, TREC run lines `qid Q0 docid rank
    score searchd` of its first limit hits (options: since, until, sort). QueryError for
    a line that is not qid<TAB>query, naming it."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        qid, sep, text = line.rstrip("\n").partition("\t")
        if not sep:
            raise QueryError(f"line {number}: expected qid<TAB>query")
        result = engine.search(text, limit=limit, snippets=False, facets=False, **options)
        for rank, hit in enumerate(result.hits, 1):
            yield f"{qid} Q0 {printable(hit.id)} {rank} {hit.score:.4f} searchd"
