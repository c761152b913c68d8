"""Relevance evaluation: run queries, score them against qrels (MRR@10, Success@k, nDCG@10)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import SearchdError


@dataclass(frozen=True)
class EvalReport:
    """Mean scores over the judged queries."""

    queries: int
    mrr10: float
    success1: float
    success10: float
    ndcg10: float

    def lines(self) -> list[str]:
        """trec_eval-like lines."""
        return [f"queries     {self.queries}", f"MRR@10      {self.mrr10:.4f}",
                f"Success@1   {self.success1:.4f}", f"Success@10  {self.success10:.4f}",
                f"nDCG@10     {self.ndcg10:.4f}"]


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


def score_run(run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]]) -> EvalReport:
    """Score ranked doc ids per query against graded judgements."""
    judged = [qid for qid in qrels if any(g > 0 for g in qrels[qid].values())]
    if not judged:
        raise SearchdError("no query in the qrels has a relevant document")
    rr = s1 = s10 = nd = 0.0
    for qid in judged:
        ranking, grades = list(run.get(qid, []))[:10], qrels[qid]
        first = next((i for i, d in enumerate(ranking) if grades.get(d, 0) > 0), None)
        if first is not None:
            rr += 1 / (first + 1)
            s1 += first == 0
            s10 += 1
        nd += ndcg(ranking, grades)
    n = len(judged)
    return EvalReport(n, rr / n, s1 / n, s10 / n, nd / n)


def ndcg(ranking: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with gains 2^grade - 1."""
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0
