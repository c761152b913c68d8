"""More like this: the documents like one, without near-duplicates of it or of each other."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import neardup
from .ranking import leaf_of
from .schema import BODY


def similar(view: Any, opening: str, docnum: int, hit_of: Callable[..., Any],
            count: int = 5) -> list[Any]:
    """Documents like docnum (as hits made by hit_of(view, docnum, score, None)): Whoosh's
    more_like_this over the key terms of its body's opening (its first characters, so a
    huge document stays cheap), without near-duplicates of it or of each other (the same
    question sent to three ministers was listed three times)."""
    if not opening.strip():
        return []
    results = view.searcher.more_like(docnum, BODY, text=opening, top=count * 4)
    seen = [_print_of(view, docnum)]
    kept = []
    for found in results:
        print_ = _print_of(view, found.docnum)
        if not any(neardup.same(print_, other) for other in seen):
            kept.append(hit_of(view, found.docnum, found.score, None))
            seen.append(print_)
    return kept[:count]


def _print_of(view: Any, docnum: int) -> int:
    """The near-duplicate fingerprint of a document (neardup.py)."""
    leaf, local = leaf_of(view.searcher, docnum)
    return int(leaf.tables.fingerprints[local])
