"""Inversion in bulk (storage/inversion.py) gives what the analyzer gives one text at a
time: the same term occurrences (the tokens DutchAnalyzer yields when indexing) and the
same words as written (surface_words)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from searchd.analysis import DutchAnalyzer, surface_words
from searchd.storage import inversion
from searchd.storage.inversion import Inverter, Occurrences, Vocabulary, union_pairs
from searchd.storage.vectors import decode_vector, encode_vector

from .conftest import DOCS, REPO

TRICKY = ("IS-strijders auto's 's-Hertogenbosch e-mail 5.600 3,5 COVID19 d'Hondt Financiën "
          "veiligheidsminister ziekenhuisbed Ærø naïef café 't Hooft 's avonds '' - -- "
          "x-y-z ‘quoted’ 1.5kg a,5b IS EU de het een fietsen fietspaden aanslagen").split()


def _texts(count: int, seed: int) -> list[str]:
    """Real texts, empty ones and random runs of tricky words."""
    rng = random.Random(seed)
    texts = [*DOCS.values(), "", (REPO / "seeds" / "000_3417ef95b44b26d0.txt").read_text()]
    for _ in range(count):
        texts.append(" ".join(rng.choices(TRICKY, k=rng.randrange(0, 40))))
        if rng.random() < 0.2:
            texts.append("")
    return texts


def _analyzed(text: str) -> dict[str, list[Any]]:
    """The tokens the analyzer yields for text when indexing, grouped by term: each one's
    (position, startchar, endchar) in order."""
    spans: dict[str, list[Any]] = {}
    for token in DutchAnalyzer()(text, positions=True, chars=True, mode="index"):
        spans.setdefault(token.text, []).append((token.pos, token.startchar, token.endchar))
    return spans


def _as_spans(found: Occurrences, strings: list[str], doc: int) -> dict[str, list[Any]]:
    """One text's occurrences, as _analyzed gives them."""
    spans: dict[str, list[Any]] = {}
    for i in np.flatnonzero(found.docs == doc).tolist():
        spans.setdefault(strings[found.terms[i]], []).append(
            (int(found.positions[i]), int(found.starts[i]), int(found.ends[i])))
    return spans


def _inverter() -> Inverter:
    return Inverter("dutch_porter", True, Vocabulary())


@pytest.mark.parametrize("batch", [1, 3, 50])
def test_inversion_gives_the_analyzers_occurrences(batch: int) -> None:
    inverter = _inverter()
    texts = _texts(60, batch)
    for start in range(0, len(texts), batch):
        chunk = texts[start:start + batch]
        found = inverter.invert(chunk).occurrences
        for i, text in enumerate(chunk):
            assert _as_spans(found, inverter.terms.strings, i) == _analyzed(text), text


def test_occurrences_are_sorted_by_text_term_and_position() -> None:
    inverter = _inverter()
    found = inverter.invert(_texts(20, 7)).occurrences
    strings = inverter.terms.strings
    keys = [(d, strings[t], p) for d, t, p in zip(found.docs.tolist(), found.terms.tolist(),
                                                  found.positions.tolist())]
    assert keys == sorted(keys) and len(keys) > 300


def test_inversion_gives_the_words_as_written() -> None:
    surfaces = Vocabulary()
    inverter = Inverter("dutch_porter", True, surfaces)
    titles, bodies = _texts(30, 3), _texts(30, 4)
    docs, words = union_pairs([(i.word_docs, i.words) for i in
                               (inverter.invert(titles), inverter.invert(bodies))])
    for doc, (title, body) in enumerate(zip(titles, bodies)):
        mine = sorted(surfaces.strings[w] for w in words[docs == doc].tolist())
        assert mine == surface_words(title + "\n" + body)


def test_an_inverter_that_forgets_its_words_gives_the_same(monkeypatch:
                                                           pytest.MonkeyPatch) -> None:
    """Past MAX_ENTRIES words an inverter starts again (bounded memory); the term numbers
    it gave stay valid."""
    texts = _texts(40, 5)
    whole = _inverter()
    expected = whole.invert(texts).occurrences
    monkeypatch.setattr(inversion, "MAX_ENTRIES", 5)
    forgetful = _inverter()
    for start in range(0, len(texts), 4):
        forgetful.invert(texts[start:start + 4])
    assert len(forgetful.entries) < len(whole.entries)
    found = forgetful.invert(texts).occurrences
    for doc in range(len(texts)):
        assert (_as_spans(found, forgetful.terms.strings, doc)
                == _as_spans(expected, whole.terms.strings, doc))


def test_batch_vectors_are_the_per_document_ones() -> None:
    inverter = _inverter()
    texts = _texts(20, 9)
    vectors = inverter.invert(texts).occurrences.vectors(inverter.terms.strings, len(texts), 1)
    for text, vector in zip(texts, vectors):
        spans = _analyzed(text)
        assert vector == (encode_vector(spans, 1) if spans else b"")
        if spans:
            assert decode_vector(vector) == {t: [(s, e) for _, s, e in p]
                                             for t, p in spans.items()}


def test_a_long_text_inverted_in_pieces_gives_the_analyzers_occurrences(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Words of a long text are matched a piece at a time (memory): cut at whitespace,
    whatever the piece size, the occurrences are the analyzer's."""
    texts = _texts(40, 9)
    long_text = "\n\n".join(texts) + " " + "x" * 50
    for size in (64, 1000):
        monkeypatch.setattr(inversion, "PIECE_CHARS", size)
        inverter = _inverter()
        found = inverter.invert([texts[0], long_text]).occurrences
        assert _as_spans(found, inverter.terms.strings, 1) == _analyzed(long_text)
        assert _as_spans(found, inverter.terms.strings, 0) == _analyzed(texts[0])
    # a run longer than a piece without a space is cut where the piece ends
    monkeypatch.setattr(inversion, "PIECE_CHARS", 64)
    found = _inverter().invert(["a" * 200]).occurrences
    assert sorted(found.starts.tolist()) == [0, 64, 128, 192]


def test_inverting_a_long_text_takes_a_few_times_its_size() -> None:
    """Memory of one long text's inversion (tracemalloc counts every allocation, numpy's
    too): a 31 MB text peaked at 22 times its size, words and intermediates all at once."""
    import tracemalloc

    words = [w for text in _texts(200, 5) for w in text.split()]
    rng = random.Random(5)
    text = " ".join(rng.choice(words) for _ in range(300_000))  # ~2 MB
    inverter = _inverter()
    inverter.invert([text[:5000]])  # (its words learnt: only the inversion is measured)
    tracemalloc.start()
    try:
        inverter.invert([text])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 * len(text), f"{peak / len(text):.1f} times the text"
