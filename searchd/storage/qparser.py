"""Whoosh query internals searchd relies on: a repaired BinaryGroup, and the words a
pattern query expands to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh import qparser
from whoosh import query as wq
from whoosh.qparser import syntax


def _build_children_once(self: syntax.BinaryGroup, parser: qparser.QueryParser) -> wq.Query:
    """Replaces whoosh.qparser.syntax.BinaryGroup.query, which builds each of its two
    children twice, so that parsing time doubled with every nested ANDNOT, ANDMAYBE,
    REQUIRE or +word (22 operators took minutes); the query built is the same."""
    qa, qb = (node.query(parser) for node in self.nodes)
    if qa is None and qb is None:
        q = wq.NullQuery
    elif qa is None or qb is None:
        q = qa if qb is None else qb
    else:
        q = self.qclass(qa, qb)
    return syntax.attach(q, self)


def repair_parser() -> None:
    """Install the BinaryGroup repair (idempotent; query.py does it on import)."""
    syntax.BinaryGroup.query = _build_children_once


def expansions(q: wq.MultiTerm, reader: Any) -> Iterator[bytes]:
    """The indexed words (as bytes) a prefix, wildcard or fuzzy query matches in reader, in
    index order, lazily (Whoosh's private _btexts: expanded_terms builds them all)."""
    return iter(q._btexts(reader))
