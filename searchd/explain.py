"""Why a document scored as it did: the planned query taken apart as ranking.py scores it.

Every node's score is ranking's own for that part of the query and that document, so the
parts add up to the hit's score by construction. A term shows BM25F's inputs (term
frequency, idf, the field's length and its average, k1, b, its boost); a free-text word
shows what matched it (the word itself, a compound holding it, what it derives from, its
parts, near spellings) with the weight of each kind; a free-text query shows its
coordination (the share of its words the document matches, to a power).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from . import storage
from .query.clause import WordClause, WordsQuery
from .ranking import Leaf, clause_scores, dense, evaluate, leaf_of
from .segments import term_postings
from .statistics import Statistics

DIGITS = 4


def explain(searcher: Searcher, q: wq.Query, docnum: int,
            statistics: Statistics | None = None) -> dict[str, Any]:
    """The explanation of q's score of a document (global document number), with the
    index's statistics (or statistics given: a cluster's)."""
    leaf, local = leaf_of(searcher, docnum, statistics)
    return _node(q, leaf, local)


def _score(q: wq.Query, leaf: Leaf, local: int) -> float:
    """q's score of the document."""
    return _round(evaluate(q, leaf).scores[local])


def _round(value: Any) -> float:
    return round(float(value), DIGITS)


def _node(q: wq.Query, leaf: Leaf, local: int) -> dict[str, Any]:
    """The explanation of one part of a query."""
    if isinstance(q, wq.Term):
        return _term(q, leaf, local)
    if isinstance(q, WordsQuery):
        return _words(q, leaf, local)
    node: dict[str, Any] = {"query": type(q).__name__, "score": _score(q, leaf, local)}
    if isinstance(q, wq.CompoundQuery | wq.BinaryQuery):
        children = [_node(sub, leaf, local) for sub in q.children()]
        node["parts"] = [c for c in children if c["score"] or c.get("matched")]
        if q.boost != 1.0:
            node["boost"] = q.boost
    else:
        node["text"] = str(q)[:200]
    return node


def _term(q: wq.Term, leaf: Leaf, local: int) -> dict[str, Any]:
    """A term's BM25F inputs for the document (tf 0: it does not hold the term)."""
    node: dict[str, Any] = {"field": q.fieldname, "term": str(q.text),
                            "score": _score(q, leaf, local)}
    field = leaf.searcher.schema[q.fieldname] if q.fieldname in leaf.searcher.schema else None
    if field is None or not field.scorable:
        return node
    btext = field.to_bytes(q.text)
    ids, tfs = term_postings(leaf.searcher.reader(), q.fieldname, btext)
    at = int(np.searchsorted(ids, local))
    tf = int(tfs[at]) if at < len(ids) and ids[at] == local else 0
    k1, b = storage.bm25f_parameters(leaf.weighting, q.fieldname)
    length = storage.LENGTHS[leaf.tables.length_bytes(q.fieldname, np.array([local]))[0]]
    node.update(tf=tf, idf=_round(leaf.statistics.idf(q.fieldname, btext)),
                length=_round(length),
                average_length=_round(leaf.statistics.average_length(q.fieldname)),
                k1=k1, b=b, boost=q.boost, matched=tf > 0)
    return node


def _words(q: WordsQuery, leaf: Leaf, local: int) -> dict[str, Any]:
    """A free-text query: each word's share and score, and the coordination."""
    words = [_word(clause, leaf, local, q.weights) for clause in q.clauses]
    matched = sum(w["matched"] for w in words)
    factor = (matched / max(len(words), 1)) ** q.weights.coordination
    return {"query": "words", "score": _score(q, leaf, local), "boost": q.boost,
            "coordination": {"matched": _round(matched), "words": len(words),
                             "power": q.weights.coordination, "factor": _round(factor)},
            "words": words}


def _word(clause: WordClause, leaf: Leaf, local: int, weights: Any) -> dict[str, Any]:
    """One word of a free-text query: its share of a match, its score, and the matched
    terms of each kind with the kind's weight."""
    share, scores = clause_scores(clause, leaf, weights)
    kinds = [("word", 1.0, clause.own), ("inside a compound", weights.inside, clause.inside),
             ("derived from", weights.derived, clause.derived)]
    kinds += [(f"part {part}", f"{weights.parts} all parts, {weights.part} one",
               alone + within) for part, (alone, within) in enumerate(clause.parts, 1)]
    node: dict[str, Any] = {"word": clause.word, "matched": _round(share[local]),
                            "score": _round(scores[local]), "terms": []}
    for kind, weight, terms in kinds:
        for term in terms:
            found = _term(term, leaf, local)
            if found.get("matched"):
                node["terms"].append({"kind": kind, "weight": weight, **found})
    if clause.written_parts:
        written = all(dense((t,), leaf).mask[local] for t in clause.written_parts)
        node["written_parts"] = {"held": bool(written), "factor": weights.written_parts}
    typos = [_word(t, leaf, local, weights) for t in clause.typos]
    node["near_spellings"] = [t for t in typos if t["score"]]
    if node["near_spellings"]:
        node["near_spelling_weight"] = weights.typo
    return node


def explain_lines(node: dict[str, Any], indent: str) -> list[str]:
    """An explanation (explain.py) as indented lines."""
    if "word" in node:
        lines = [f"{indent}{node['word']!r}: {node['score']} (matched {node['matched']})"]
        for term in node["terms"]:
            lines.append(f"{indent}  {term['kind']} ×{term['weight']}: {_term_text(term)}")
        if "written_parts" in node:
            held = node["written_parts"]
            lines.append(f"{indent}  parts as written ×{held['factor']}: "
                         f"{'held' if held['held'] else 'not held'}")
        for near in node.get("near_spellings", []):
            lines.append(f"{indent}  near spelling ×{node['near_spelling_weight']}:")
            lines += explain_lines(near, indent + "    ")
        return lines
    if "term" in node:
        return [indent + _term_text(node)]
    lines = [f"{indent}{node['query']}: {node['score']}"]
    if "coordination" in node:
        c = node["coordination"]
        lines.append(f"{indent}  coordination: ({c['matched']}/{c['words']})^{c['power']}"
                     f" = {c['factor']}")
    for child in node.get("words", []) + node.get("parts", []):
        lines += explain_lines(child, indent + "  ")
    if "text" in node:
        lines.append(f"{indent}  {node['text']}")
    return lines


def _term_text(term: dict[str, Any]) -> str:
    """A term's score and BM25F inputs on one line."""
    if "tf" not in term:
        return f"{term['field']}:{term['term']} = {term['score']}"
    return (f"{term['field']}:{term['term']} = {term['score']} (tf {term['tf']}, "
            f"idf {term['idf']}, length {term['length']}/{term['average_length']}, "
            f"k1 {term['k1']}, b {term['b']}, boost {term['boost']})")
