"""Benchmark queries drawn from the corpus itself (seeded, so every run and every engine
gets the same ones): 1, 2 and 3 content words, and long natural-language queries."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from itertools import zip_longest

from searchd.analysis.stopwords import STOP_WORDS

_WORD = re.compile(r"[^\W\d_]{3,}")
_SENTENCE = re.compile(r"[^.!?\n]{60,300}[.!?]")
CLASSES = ("1 word", "2 words", "3 words", "long")


def make_queries(bodies: Sequence[str], per_class: int, seed: int = 7) -> dict[str, list[str]]:
    """per_class queries of each class, as plain lower-case words (no query syntax, so every
    engine's parser reads them the same way)."""
    rng = random.Random(seed)
    queries: dict[str, list[str]] = {c: [] for c in CLASSES}
    attempts = 0
    while any(len(q) < per_class for q in queries.values()) and attempts < per_class * 200:
        attempts += 1
        body = rng.choice(bodies)
        words = [w.lower() for w in _WORD.findall(body)]
        content = [w for w in words if w not in STOP_WORDS and len(w) >= 4]
        if len(content) < 3:
            continue
        start = rng.randrange(len(content) - 2)
        for size, name in ((1, "1 word"), (2, "2 words"), (3, "3 words")):
            if len(queries[name]) < per_class:
                queries[name].append(" ".join(content[start:start + size]))
        sentences = _SENTENCE.findall(body)
        if sentences and len(queries["long"]) < per_class:
            words = [w.lower() for w in _WORD.findall(rng.choice(sentences))][:14]
            if len(words) >= 8:
                queries["long"].append(" ".join(words))
    return queries


def distinct_queries(bodies: Sequence[str], count: int, seed: int = 11) -> list[str]:
    """About count different queries, none repeated (for loads in which a result cache must
    not help), the classes taking turns: a load that uses part of the list gets the same
    mix as one that uses all of it. (Listed class after class, the loads of an HTTP run
    that came last got only the longest queries, and the faster searchd answered the
    first loads, the harder the last one's queries were.)"""
    made = make_queries(bodies, count // len(CLASSES) + 1, seed)
    turns = zip_longest(*(made[name] for name in CLASSES))
    return list(dict.fromkeys(q for turn in turns for q in turn if q is not None))
