#!/usr/bin/env python3
"""How well the near-duplicate fingerprint (searchd/neardup.py) tells copies from other texts:

    .venv/bin/python bench/neardup.py --corpus DIR

For every pair of documents of the corpus that share a run of three words (found through an
inverted list of the runs; a run held by 30 documents or more is left out), the exact
Jaccard overlap of their runs of three words, and the Hamming distance of their
fingerprints. Printed per band of overlap: pairs, and how many are within 3, 6 and 10 bits.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engines import read_docs  # noqa: E402

from searchd.neardup import NEAR_BITS, SHINGLE, fingerprint  # noqa: E402

_WORD = re.compile(r"[^\W_]+")
MAX_SHARED = 30  # a run held by this many documents says nothing about a pair


def runs(title: str, body: str) -> set[str]:
    """The runs of SHINGLE words of a document, as the fingerprint reads them."""
    words = _WORD.findall((title + "\n" + body).casefold())
    return {" ".join(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    args = parser.parse_args()
    shingles, prints = {}, {}
    for doc in read_docs(args.corpus):
        shingles[doc.id] = runs(doc.title, doc.body)
        prints[doc.id] = fingerprint(doc.title, doc.body)
    holders = defaultdict(list)
    for doc_id, held in shingles.items():
        for run in held:
            holders[run].append(doc_id)
    shared: Counter[tuple[str, str]] = Counter()
    for ids in holders.values():
        if 1 < len(ids) < MAX_SHARED:
            shared.update(itertools.combinations(sorted(ids), 2))
    bands: dict[float, list[int]] = defaultdict(list)
    for (a, b), common in shared.items():
        overlap = common / len(shingles[a] | shingles[b])
        bands[round(overlap, 1)].append(bin(prints[a] ^ prints[b]).count("1"))
    print(f"{len(shingles)} documents; pairs sharing a run, by overlap of their runs:")
    print("overlap   pairs   <=3 bits  <=6 bits  <=10 bits")
    for band in sorted(bands):
        found = bands[band]
        print(f"  {band:4.1f}  {len(found):7d}  {sum(d <= NEAR_BITS for d in found):8d}  "
              f"{sum(d <= 6 for d in found):8d}  {sum(d <= 10 for d in found):9d}")


if __name__ == "__main__":
    main()
