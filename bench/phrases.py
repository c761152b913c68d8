#!/usr/bin/env python3
"""Quoted phrases with a stop word inside: searchd and stock Whoosh on the same set.

    .venv/bin/python bench/phrases.py --corpus DIR [--phrases 80] [--seed 1]

The set is drawn from the corpus itself: 3-4-word sequences of a document's text with a
stop word inside and none at either end ("minister van Justitie", "bescherming van de
persoonlijke levenssfeer" is 5 and so not drawn); the truth of a phrase is every document
whose folded word sequence (title, then body) holds it. Each engine answers the phrase in
quotes 100 deep; printed: recall in the first 100 (of at most 100 true documents) and the
precision of the first 10 returned, averaged over the phrases.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402
from engines import read_docs  # noqa: E402

from searchd.analysis.folding import fold  # noqa: E402
from searchd.analysis.stopwords import STOP_WORDS  # noqa: E402

DEPTH = 100
_WORDS = re.compile(r"[^\W_]+")  # letters and digits: "binnen de 15 minuten" is 4 words


def folded_words(text: str) -> list[str]:
    return [fold(w).lower() for w in _WORDS.findall(text)]


def draw(docs: dict[str, list[str]], count: int, seed: int) -> list[list[str]]:
    """count distinct phrases of 3-4 words, a stop word inside, none at the ends."""
    rng = random.Random(seed)
    ids = sorted(docs)
    found: dict[tuple[str, ...], None] = {}
    for _ in range(count * 1000):
        if len(found) >= count:
            break
        words = docs[rng.choice(ids)]
        size = rng.choice((3, 4))
        if len(words) < size:
            continue
        start = rng.randrange(len(words) - size + 1)
        phrase = tuple(words[start:start + size])
        inside = phrase[1:-1]
        if phrase[0] in STOP_WORDS or phrase[-1] in STOP_WORDS or \
                not any(w in STOP_WORDS for w in inside) or \
                min(len(w) for w in (phrase[0], phrase[-1])) < 3 or \
                not all(w.isalpha() and len(w) > 1 for w in phrase):
            continue
        found.setdefault(phrase)
    return [list(p) for p in found]


def holders(docs: dict[str, list[str]], phrase: list[str]) -> set[str]:
    """The documents whose word sequence holds phrase."""
    text = " " + " ".join(phrase) + " "
    return {doc_id for doc_id, words in docs.items() if text in " " + " ".join(words) + " "}


def measure(search, phrases: list[list[str]], truth: list[set[str]]) -> tuple[float, float]:
    recalls, precisions = [], []
    for phrase, relevant in zip(phrases, truth):
        hits = search('"' + " ".join(phrase) + '"')
        recalls.append(len(set(hits) & relevant) / min(len(relevant), DEPTH))
        top = hits[:10]
        precisions.append(len(set(top) & relevant) / len(top) if top else 0.0)
    return statistics.mean(recalls), statistics.mean(precisions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--phrases", type=int, default=80)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    docs = {d.id: folded_words(d.title) + folded_words(d.body) for d in read_docs(args.corpus)}
    phrases = draw(docs, args.phrases, args.seed)
    truth = [holders(docs, p) for p in phrases]
    print(f"{len(phrases)} phrases from {len(docs)} documents; true documents a phrase: "
          f"median {statistics.median(len(t) for t in truth):.0f}, max {max(map(len, truth))}")
    with tempfile.TemporaryDirectory() as scratch:
        for name, ask in engines.searchd_and_whoosh(args.corpus, Path(scratch), DEPTH):
            recall, precision = measure(ask, phrases, truth)
            print(f"{name:>14}: recall@{DEPTH} {recall:.3f}   precision@10 {precision:.3f}")


if __name__ == "__main__":
    main()
