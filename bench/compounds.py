#!/usr/bin/env python3
"""Compounds the index does not hold: searchd and stock Whoosh on the same set.

    .venv/bin/python bench/compounds.py --corpus DIR --other DIR [--compounds 60] [--seed 1]

The set: long words (12 letters or more) of another corpus (--other) that the searched
corpus lacks, but that split into two words it has (each of 4 letters or more, a linking s
allowed: "kinderopvang" + "toeslag", "veiligheid" + "s" + "beleid"). The truth of a compound
is every document of the searched corpus that holds both parts as words (folded). Printed:
the share of what the top 10 could hold (min(10, true documents)) that true documents fill,
and how many compounds found nothing, averaged over the set.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402
from engines import read_docs  # noqa: E402
from phrases import folded_words  # noqa: E402

TOP = 10
MIN_PARTS_DOCS = 1  # a compound whose parts no document holds together is not drawn


def vocabulary(docs: dict[str, set[str]]) -> Counter[str]:
    """Each word's document count."""
    counts: Counter[str] = Counter()
    for words in docs.values():
        counts.update(words)
    return counts


def split(word: str, known: Counter[str]) -> tuple[str, str] | None:
    """The split of word into two known words (the longest head first), or None."""
    for cut in range(len(word) - 4, 3, -1):
        left, right = word[:cut], word[cut:]
        if right in known and known[right] >= 2:
            if left in known and known[left] >= 2:
                return left, right
            if left.endswith("s") and known.get(left[:-1], 0) >= 2 and len(left) > 5:
                return left[:-1], right
    return None


def draw(other: Counter[str], docs: dict[str, set[str]], count: int,
         seed: int) -> list[tuple[str, tuple[str, str], set[str]]]:
    """count compounds of the other corpus absent from docs: (word, parts, truth)."""
    known = vocabulary(docs)
    candidates = sorted(w for w in other if len(w) >= 12 and w.isalpha() and w not in known)
    random.Random(seed).shuffle(candidates)
    found = []
    for word in candidates:
        parts = split(word, known)
        if parts is None:
            continue
        truth = {d for d, words in docs.items() if parts[0] in words and parts[1] in words}
        if len(truth) >= MIN_PARTS_DOCS:
            found.append((word, parts, truth))
        if len(found) >= count:
            break
    return found


def measure(search, compounds: list[tuple[str, tuple[str, str], set[str]]]
            ) -> tuple[float, int]:
    """(mean share of the top 10's room filled by true documents, compounds with no hit)."""
    shares, empty = [], 0
    for word, _, truth in compounds:
        hits = search(word)[:TOP]
        empty += not hits
        shares.append(len(set(hits) & truth) / min(TOP, len(truth)))
    return statistics.mean(shares), empty


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--other", type=Path, required=True)
    parser.add_argument("--compounds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", action="store_true", help="print each compound's figures")
    args = parser.parse_args()
    docs = {d.id: set(folded_words(d.title) + folded_words(d.body))
            for d in read_docs(args.corpus)}
    other = vocabulary({d.id: set(folded_words(d.title) + folded_words(d.body))
                        for d in read_docs(args.other)})
    compounds = draw(other, docs, args.compounds, args.seed)
    print(f"{len(compounds)} compounds absent from {len(docs)} documents; true documents a "
          f"compound: median {statistics.median(len(t) for *_, t in compounds):.0f}")
    with tempfile.TemporaryDirectory() as scratch:
        asks = engines.searchd_and_whoosh(args.corpus, Path(scratch), TOP)
        ask_searchd = asks[2][1]  # (flat: every document a hit of its own)
        if args.show:
            for word, parts, truth in compounds:
                hits = ask_searchd(word)
                share = len(set(hits) & truth) / min(TOP, len(truth))
                print(f"  {share:4.2f}  {word} = {' + '.join(parts)}  ({len(truth)} true)")
        for name, ask in asks:
            share, empty = measure(ask, compounds)
            print(f"{name:>14}: top-{TOP} filled by documents with every part {share:.3f}   "
                  f"no result for {empty} of {len(compounds)}")


if __name__ == "__main__":
    main()
