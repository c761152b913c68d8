"""Ranking over posting arrays (ranking.py), the codec's array blocks (codec.py) and packed
bodies (bodytext.py), each checked against what Whoosh itself reads and scores."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.scoring import BM25F

from searchd import months, ranking
from searchd.bodytext import CHUNK, StoredText, pack
from searchd.cache import SizedLRU
from searchd.config import Config, config_from_dict
from searchd.documents import parse_seed
from searchd.query.bounds import bound_query
from searchd.query.parsing import build_parser, parse_query
from searchd.schema import build_schema, document_fields, order_key
from searchd.search import Engine
from searchd.storage.codec import SearchdCodec
from searchd.storage.matchers import ArrayLeafMatcher
from searchd.storage.reading import posting_blocks
from searchd.sync import sync_index

from .conftest import write_seeds

WORDS = ("minister begroting gemeente fiets stad belasting aanslag regering wet kamer "
         "onderwijs school leraar zorg ziekenhuis").split()
QUERIES = ["minister", "fiets stad", '"minister begroting"', "wet NOT kamer", "+zorg school",
           "belastingaanslag", "gem*", "title:wet OR body:zorg", "kamer^2 regering"]


def _corpus(count: int, seed: int) -> dict[str, str]:
    """count documents of random words (some dated), enough for several posting blocks."""
    rng = random.Random(seed)
    docs = {}
    for i in range(count):
        date = f"{rng.randrange(1990, 2021)}-{rng.randrange(1, 13):02d}" if i % 7 else ""
        title = " ".join(rng.choices(WORDS, k=3))
        body = " ".join(rng.choices(WORDS, k=rng.randrange(5, 400)))
        docs[f"d{seed}-{i:04d}.txt"] = f" date {date} {title}\n\n{body}"
    return docs


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Config]:
    """An index of 600 documents in several segments, some of them deleted, with posting
    blocks of 64 (so that posting lists span several blocks)."""
    root = tmp_path_factory.mktemp("big")
    seeds = write_seeds(root / "seeds", _corpus(400, 1))
    config = config_from_dict({"paths": {"seeds": "seeds", "index": "index"}}, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SearchdCodec, "POSTINGS_BLOCK", 64)
        sync_index(config)
        write_seeds(seeds, _corpus(200, 2))  # a second segment
        for name in sorted(p.name for p in seeds.iterdir())[::9]:
            (seeds / name).unlink()  # deletions in both
        sync_index(config)
    yield config


@pytest.fixture(scope="module")
def view(big: Config):  # type: ignore[no-untyped-def]
    """A view of the big index (its Engine kept alive for the module)."""
    with Engine(big) as engine:
        yield engine.view()


def _whoosh_order(searcher, q, sort: str):  # type: ignore[no-untyped-def]
    """Whoosh's own ranking of q: every match, as (docnum, score), equal scores ordered
    here by order key (as searchd orders them: the same on any layout of the index); for a
    date sort its hits ordered by their stored month (undated last), then score, then
    order key."""
    hits = [(hit.docnum, hit.score, hit.get("month"), order_key(hit["id"]))
            for hit in searcher.search(q, limit=None)]
    sign = -1 if sort == "newest" else 1

    def key(hit):  # type: ignore[no-untyped-def]
        docnum, score, month, tie = hit
        if sort == "relevance":
            return (-round(score, 9), tie, docnum)
        code = int(month[:4]) * 12 + int(month[5:]) if month else 0
        return (month is None, sign * code, -round(score, 9), tie, docnum)

    hits.sort(key=key)
    return [(docnum, score) for docnum, score, _, _ in hits]


def _assert_whoosh_s(searcher, ranked, expected, sort: str) -> None:  # type: ignore[no-untyped-def]
    """ranked holds Whoosh's matches with Whoosh's scores (to 12 digits: sums in another
    order), in searchd's order of them: by month for a date sort, then by score, equal
    scores by order key. (Whoosh breaks ties by document number: where its sums differ in
    the last bit, two documents it scores alike are not alike here.)"""
    assert sorted(ranked.docnums.tolist()) == sorted(d for d, _ in expected)
    whoosh_s = dict(expected)
    assert np.allclose(ranked.scores, [whoosh_s[d] for d in ranked.docnums.tolist()],
                       rtol=1e-12, atol=0)
    keys = [order_key(searcher.stored_fields(d)["id"]) for d in ranked.docnums.tolist()]
    codes = [searcher.stored_fields(d).get("month") for d in ranked.docnums.tolist()]
    sign = -1 if sort == "newest" else 1
    shown = [((m is None, sign * (int(m[:4]) * 12 + int(m[5:])) if m else 0)
              if sort != "relevance" else (), -score, key)
             for m, score, key in zip(codes, ranked.scores.tolist(), keys)]
    assert shown == sorted(shown)


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize("query", QUERIES)
def test_ranking_equals_whoosh_across_segments_and_deletions(view, query: str,
                                                             sort: str) -> None:
    assert len(view.searcher.leaf_searchers()) > 1
    q, _ = bound_query(parse_query(view.planning.parser, query)[0], view.searcher.reader())
    expected = _whoosh_order(view.searcher, q, sort)
    ranked = ranking.rank(view.searcher, q, len(expected) + 5, sort)
    assert ranked.total == len(expected) > 0
    _assert_whoosh_s(view.searcher, ranked, expected, sort)


def test_the_first_wanted_are_the_top_of_the_full_order(view) -> None:
    q = view.plan("minister OR fiets").query
    full = ranking.rank(view.searcher, q, 10_000)
    for wanted in (1, 10, 33):
        top = ranking.rank(view.searcher, q, wanted)
        assert top.docnums.tolist() == full.docnums[:wanted].tolist()
        assert top.total == full.total


def test_array_blocks_hold_what_whoosh_reads(view) -> None:
    segments = [segment for segment, _ in view.searcher.reader().leaf_readers()]
    assert any(segment.has_deletions() for segment in segments)
    for segment in segments:
        matcher = segment.postings("body", b"minister")  # filtered when docs are deleted
        assert isinstance(getattr(matcher, "child", matcher), ArrayLeafMatcher)
        blocks = list(posting_blocks(segment, "body", b"minister"))
        assert len(blocks) > 1  # a posting list of several blocks
        ids, freqs = ranking.term_postings(segment, "body", b"minister")
        assert ids.tolist() == np.concatenate([b[0] for b in blocks]).tolist()
        assert freqs.tolist() == np.concatenate([b[1] for b in blocks]).tolist()
        expected = segment.postings("body", b"minister")  # Whoosh's: deleted ones skipped
        pairs = []
        while expected.is_active():
            pairs.append((expected.id(), expected.weight(), expected.value_as("positions")))
            expected.next()
        live = [(i, f) for i, f in zip(ids.tolist(), freqs.tolist())
                if not segment.is_deleted(i)]
        assert live == [(p[0], p[1]) for p in pairs]
        assert all(len(p[2]) == p[1] for p in pairs)  # positions decode beside the arrays
    assert posting_blocks(segments[0], "body", b"zzzgeenwoord") is None


def test_segments_of_whoosh_s_own_codec_are_ranked_too(tmp_path: Path) -> None:
    """Postings in Whoosh 3's own blocks take the slower, generic path; same ranking."""
    schema = build_schema("dutch", True)
    index = FileStorage(str(tmp_path)).create_index(schema)
    with index.writer(codec=W3Codec()) as writer:
        for name, text in _corpus(150, 3).items():
            writer.add_document(**document_fields(parse_seed(text.encode(), name).document))
    searcher = index.searcher(weighting=BM25F(B=1.0, K1=1.2))
    parser = build_parser(index.schema, 2.0, 0.3)
    q, _ = bound_query(parser.parse("minister fiets"), searcher.reader())
    expected = _whoosh_order(searcher, q, "relevance")
    ranked = ranking.rank(searcher, q, len(expected))
    assert expected != []
    _assert_whoosh_s(searcher, ranked, expected, "relevance")


def test_month_ranges_and_facets(view) -> None:
    q, _ = bound_query(parse_query(view.planning.parser, "minister")[0], view.searcher.reader())
    since, until = months.code(2000, 1), months.code(2009, 12)
    ranked = ranking.rank(view.searcher, q, 5, months=(since, until))
    assert ranked.total > 0
    assert all(since <= m <= until for m in ranked.months.tolist())
    facets = ranked.facets()
    assert sum(facets["year"].values()) == ranked.total
    assert list(facets["year"]) == sorted(facets["year"], reverse=True)
    assert set(facets["year"]) <= {str(y) for y in range(2000, 2010)}


def test_the_caches_are_bounded_by_size() -> None:
    cache = SizedLRU(capacity=10)
    for key in range(5):
        assert cache.get(key, lambda k=key: (k * 2, 4)) == key * 2
    assert cache.size <= 10 and len(cache) == 2 and 4 in cache and 2 not in cache
    assert cache.get("huge", lambda: ("v", 11)) == "v" and "huge" not in cache
    calls = []
    cache.get(4, lambda: calls.append(1) or (0, 1))
    assert calls == []  # kept
    assert len(SizedLRU(0).get("k", lambda: ("v", 1))) == 1 and "k" not in SizedLRU(0)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab é€\n\U0001F600", max_size=3 * CHUNK + 50),
       st.integers(-CHUNK, 4 * CHUNK), st.integers(-CHUNK, 4 * CHUNK))
def test_stored_text_reads_like_the_str(text: str, start: int, stop: int) -> None:
    stored = StoredText(pack(text))
    assert len(stored) == len(text) and str(stored) == text
    assert stored[start:stop] == text[start:stop]
    if text:
        assert stored[start % len(text)] == text[start % len(text)]


def test_a_snippet_of_a_huge_body_decompresses_a_few_chunks(built: Config, seeds: Path,
                                                            monkeypatch) -> None:
    body = ("Inleiding over niets in het bijzonder. " * 4000 + "De fietsenmaker repareert. "
            + "Slot zonder inhoud. " * 4000)
    write_seeds(seeds, {"huge.txt": f" date 2020-01 Groot\n\n{body}"})
    sync_index(built)
    engine = Engine(built)
    read: dict[int, set[int]] = {}
    real = StoredText._chunk
    monkeypatch.setattr(StoredText, "_chunk",
                        lambda self, i: read.setdefault(id(self), set()).add(i) or real(self, i))
    hit = next(h for h in engine.search("fietsenmaker").hits if h.id == "huge.txt")
    assert "<mark>fietsenmaker</mark>" in hit.snippet
    assert len(body) > 10 * CHUNK and max(len(chunks) for chunks in read.values()) <= 2
    page = engine.document("huge.txt", "fietsenmaker")
    assert page.document.body == body and page.matches == 1


def test_an_or_of_absent_terms_combines_with_others(view) -> None:
    from whoosh import query as wq

    absent = wq.Or([wq.Term("body", "zzzgeenwoord"), wq.Term("title", "zzzgeenwoord", 2.0)])
    for q in (wq.And([absent, wq.Term("body", "minister")]),
              wq.Or([absent, wq.Term("body", "minister")])):
        expected = _whoosh_order(view.searcher, q, "relevance")
        ranked = ranking.rank(view.searcher, q, len(expected) + 1)
        _assert_whoosh_s(view.searcher, ranked, expected, "relevance")
        assert ranked.scores.dtype == np.float64


@pytest.mark.parametrize("make", [
    lambda wq: wq.DisjunctionMax([wq.Term("body", "minister"), wq.Term("title", "wet", 2.0)]),
    lambda wq: wq.Ordered([wq.Term("body", "minister"), wq.Term("body", "begroting")]),
    lambda wq: wq.Or([wq.Term("body", "fiets"), wq.Term("body", "stad")], scale=0.9),
    # an OR of plain terms with one in a field that is not scored: the generic path
    lambda wq: wq.Or([wq.Term("month", "2019-03"), wq.Term("body", "stad"),
                      wq.Term("title", "wet", 2.0)]),
    lambda wq: wq.Or([wq.Term("body", "fiets"), wq.Term("lead", "fiets", 0.3),
                      wq.Term("body", "fiets")], boost=1.5),  # summed at once, twice
])
def test_other_query_types_are_scored_by_whoosh_s_matcher(view, make) -> None:
    from whoosh import query as wq

    q = make(wq)
    expected = _whoosh_order(view.searcher, q, "relevance")
    ranked = ranking.rank(view.searcher, q, len(expected) + 1)
    assert ranked.total == len(expected) > 0
    _assert_whoosh_s(view.searcher, ranked, expected, "relevance")


def test_a_long_document_is_shown_a_part_at_a_time(built: Config, seeds: Path) -> None:
    """The page and /api/doc give PART_CHARS at a time, cut at a line break; the matches
    are counted over the whole document and the first one is found in its part."""
    from searchd import parts as search_module
    from searchd.web import create_app

    paragraphs = [f"Alinea {n} over de haven." for n in range(30_000)]
    paragraphs[20_000] = "Hier staat de fietsenmaker."
    body = "\n\n".join(paragraphs)
    write_seeds(seeds, {"lang.txt": f" date 2020-01 Lang\n\n{body}"})
    sync_index(built)
    engine = Engine(built)
    first = engine.document("lang.txt", "fietsenmaker", 1)
    parts = first.parts
    assert parts == -(-len(body) // search_module.PART_CHARS) and parts >= 7
    assert len(first.document.body) <= search_module.PART_CHARS
    assert first.document.body.endswith("\n") and first.matches == 1
    assert first.first_match_part is not None and "<mark" not in first.body_html
    holder = engine.document("lang.txt", "fietsenmaker", first.first_match_part)
    assert '<mark id="m1">fietsenmaker</mark>' in holder.body_html
    whole = "".join(engine.document("lang.txt", "", n).document.body
                    for n in range(1, parts + 1))
    assert whole == body
    assert engine.document("lang.txt", "", 10_000).part == parts  # past the end: the last
    client = create_app(built).test_client()
    api = client.get("/api/doc/lang.txt?deel=2").get_json()
    assert api["part"] == 2 and api["parts"] == parts and len(api["body"]) <= 100_000
    page = client.get(f"/doc/lang.txt?q=fietsenmaker&deel={first.first_match_part}")
    assert page.status_code == 200 and f"Deel {first.first_match_part} van {parts}" in page.text
    assert 'rel="next"' in page.text and len(page.data) < 300_000
    for bad in ("x", "0", "-1", "1.5", "٣"):  # not a part: said so, not part 1 in silence
        answer = client.get(f"/api/doc/lang.txt?deel={bad}")
        assert answer.status_code == 400 and "deel" in answer.get_json()["error"]["message"]
        assert client.get(f"/doc/lang.txt?deel={bad}").status_code == 400


def test_scores_and_order_do_not_depend_on_how_the_index_is_split(tmp_path: Path) -> None:
    """The same documents in one segment and in three: the same hits, scores and order,
    for compound queries too (their head-only matches are scaled below the least match of
    a part that names the topic over the whole index, not over each segment:
    statistics.Calibration) and for equal scores (ordered by order key, not by number)."""
    filler = " ".join(["regeling"] * 150)
    head_only = {f"c{i}.txt": f" date 2019-01 Regeling\n\ntoeslag toeslag toeslag {i}"
                 for i in range(5)}
    named_short = {f"d{i}.txt": f" date 2019-02 Opvang\n\nkinderopvang kinderopvang {i}"
                   for i in range(5)}
    named_long = {f"e{i}.txt": f" date 2019-03 Lang\n\nkinderopvang {filler} {i}"
                  for i in range(5)}
    whole_words = {f"a{i}.txt": f" date 2019-04 Toeslag\n\nde kinderopvangtoeslag {i}"
                   for i in range(3)}
    parts = {f"b{i}.txt": f" date 2019-05 Beide\n\nkinderopvang en toeslag {i}"
             for i in range(3)}
    whole = config_from_dict({"paths": {"seeds": "a", "index": "ia"}}, tmp_path)
    split = config_from_dict({"paths": {"seeds": "b", "index": "ib"}}, tmp_path)
    write_seeds(tmp_path / "a", {**head_only, **named_short, **named_long, **whole_words,
                                 **parts})
    sync_index(whole)
    for third in ({**head_only, **named_short}, named_long, {**whole_words, **parts}):
        write_seeds(tmp_path / "b", third)
        sync_index(split, merge=False)
    with Engine(whole) as one, Engine(split) as three:
        assert len(three.view().searcher.leaf_searchers()) == 3
        for query in ("kinderopvangtoeslag", "kinderopvangtoeslag regeling", "toeslag",
                      "kinderopvang"):
            a = [(h.id, h.score) for h in one.search(query, limit=100, collapse=False).hits]
            b = [(h.id, h.score) for h in three.search(query, limit=100, collapse=False).hits]
            assert a == b and a, query
