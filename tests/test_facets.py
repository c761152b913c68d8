"""Facets, date sorting, completions and "more like this" (library, CLI and API)."""

import json

import pytest

from searchd.config import Config
from searchd.errors import QueryError
from searchd.search import Engine

from .conftest import run

ALL = "stad OR begroting OR categorieen"  # matches every document of the tiny corpus


@pytest.fixture
def engine(built: Config) -> Engine:
    return Engine(built)


def test_facets_count_all_matches_not_just_the_page(engine: Engine) -> None:
    result = engine.search(ALL, limit=1)
    assert len(result.hits) == 1 and result.total == 4
    assert result.facets == {"year": {"2017": 2, "2016": 1},
                             "month": {"2017-11": 1, "2017-01": 1, "2016-03": 1},
                             "format": {"txt": 4},  # (the undated document counts here)
                             "author": {}, "undated": {"count": 1}}
    assert list(result.facets["year"]) == ["2017", "2016"]  # newest first


def test_facets_follow_the_date_filter(engine: Engine) -> None:
    result = engine.search(ALL, since="2017-01", until="2017-12")
    assert result.facets == {"year": {"2017": 2}, "month": {"2017-11": 1, "2017-01": 1},
                             "format": {"txt": 2}, "author": {},
                             "undated": {"count": 0}}
    assert engine.search(ALL, facets=False).facets == {}


def test_sort_by_date_puts_undated_documents_last(engine: Engine) -> None:
    newest = [h.id for h in engine.search(ALL, sort="newest").hits]
    oldest = [h.id for h in engine.search(ALL, sort="oldest").hits]
    assert newest == ["kat.txt", "sub/begroting.txt", "fiets.txt", "zonder-datum.txt"]
    assert oldest == ["fiets.txt", "sub/begroting.txt", "kat.txt", "zonder-datum.txt"]


def test_sorted_hits_keep_their_relevance_score(engine: Engine) -> None:
    ranked = {h.id: h.score for h in engine.search(ALL).hits}
    by_date = {h.id: h.score for h in engine.search(ALL, sort="newest").hits}
    assert by_date == pytest.approx(ranked)


def test_sort_paging_is_stable(engine: Engine) -> None:
    pages = [engine.search(ALL, sort="oldest", limit=1, page=p).hits[0].id for p in (1, 2, 3, 4)]
    assert pages == [h.id for h in engine.search(ALL, sort="oldest").hits]


def test_unknown_sort_is_a_query_error(engine: Engine) -> None:
    with pytest.raises(QueryError, match="sort must be one of relevance, newest, oldest"):
        engine.search("stad", sort="random")


def test_completions_are_words_as_written_most_frequent_first(engine: Engine) -> None:
    assert engine.complete("strij") == ["strijders"]  # the word, not the stem "strijder"
    assert engine.complete("Koerdische str") == ["strijders"]
    assert engine.complete("ST")[:1] == ["stad"]  # in 2 documents, before steeds (1)
    assert engine.complete("geëval") == ["geevalueerd"]
    assert engine.complete("stad ") == []  # nothing being typed
    assert engine.complete("") == [] and engine.complete("5600") == []
    assert len(engine.complete("s", limit=2)) == 2


def test_completions_follow_the_index(built: Config, seeds) -> None:
    engine = Engine(built)
    assert engine.complete("zonnep") == []
    (seeds / "zon.txt").write_text(" date 2018-05 Zon\n\nZonnepanelen op elk dak.")
    from searchd.sync import sync_index
    sync_index(built)
    assert engine.complete("zonnep") == ["zonnepanelen"]


def test_more_like_this(built: Config, seeds) -> None:
    (seeds / "fiets2.txt").write_text(" date 2016-04 Fietspaden\n\nNieuwe fietspaden voor "
                                      "mensen die naar het werk fietsen.")
    from searchd.sync import sync_index
    sync_index(built)
    view = Engine(built).document("fiets.txt")
    assert [h.id for h in view.similar][:1] == ["fiets2.txt"]
    assert "fiets.txt" not in [h.id for h in view.similar]


def test_cli_sort_and_facets(built: Config, runner) -> None:
    data = json.loads(run(runner, built, "search", ALL, "--sort", "oldest", "--json").output)
    assert [h["id"] for h in data["hits"]][0] == "fiets.txt"
    assert data["sort"] == "oldest" and data["facets"]["year"] == {"2017": 2, "2016": 1}
    assert "by year: 2017 (2), 2016 (1)" in run(runner, built, "search", ALL).output
    bad = run(runner, built, "search", "stad", "--sort", "random", ok=False)
    assert bad.exit_code == 2 and "random" in bad.output


def test_api_suggest(client) -> None:
    assert client.get("/api/suggest?q=Syrisch-Koerdische%20strij").get_json() == \
        {"suggestions": ["strijders"]}
    assert client.get("/api/suggest?q=").get_json() == {"suggestions": []}
    long = client.get("/api/suggest?q=" + "a" * 5000)
    assert long.status_code == 200
    bad = client.get("/api/suggest?q=st&limit=1000")
    assert bad.status_code == 400 and "limit" in bad.get_json()["error"]["message"]


def test_api_sort_and_facets(client) -> None:
    data = client.get(f"/api/search?q={ALL}&sort=newest&since=2016-01").get_json()
    assert [h["id"] for h in data["hits"]] == ["kat.txt", "sub/begroting.txt", "fiets.txt"]
    assert data["facets"]["month"] == {"2017-11": 1, "2017-01": 1, "2016-03": 1}
    bad = client.get("/api/search?q=stad&sort=%3Cb%3E")
    assert bad.status_code == 400 and "sort must be one of" in bad.get_json()["error"]["message"]


def whoosh_date_filter(searcher, since: str | None, until: str | None):  # type: ignore[no-untyped-def]
    """The documents of since..until (whole months) by their stored month, as a set of
    document numbers for Whoosh's own search: the oracle for month ranges."""
    if not since and not until:
        return None
    return {docnum for docnum, fields in searcher.reader().iter_docs()
            if fields.get("month") and (since or "") <= fields["month"] <= (until or "9999")}


@pytest.mark.parametrize("query", [ALL, "stad", '"de stad"', "stad AND NOT fietsen", "stra*",
                                   "title:begroting OR body:auto's", "stad -hoofdstad",
                                   "+stad fietsen", "stad^3 begroting"])
@pytest.mark.parametrize("since,until", [(None, None), ("2017-01", None), (None, "2016-12"),
                                         ("2016-03", "2017-01")])
def test_ranking_agrees_with_whoosh(engine: Engine, query: str, since, until) -> None:
    """Totals, facets, order and scores equal those of Whoosh's own search (its facets
    counted here from the stored months of its hits). The words of a query (WordsQuery,
    scored clause by clause: test_plan.py; around operators too) are an Or of their terms
    to Whoosh: the same documents match, in another order."""
    from collections import Counter

    from searchd.query.clause import clauses

    result = engine.search(query, since=since, until=until)
    view = engine.view()
    q = view.plan(query).query
    whoosh = view.searcher.search(q, limit=None,
                                  filter=whoosh_date_filter(view.searcher, since, until))
    assert result.total == len(whoosh)
    months = [hit["month"] for hit in whoosh if hit.get("month")]
    assert result.facets["month"] == Counter(months)
    assert result.facets["year"] == Counter(month[:4] for month in months)
    if clauses(q):
        return
    assert [h.id for h in result.hits] == [h["id"] for h in whoosh][:len(result.hits)]
    assert [h.score for h in result.hits] == [round(h.score, 4) for h in whoosh][:10]


def test_counts_skip_deleted_documents(built: Config, seeds) -> None:
    (seeds / "fiets.txt").unlink()
    from searchd.sync import sync_index
    sync_index(built)
    result = Engine(built).search(ALL)
    assert result.total == 3 and result.facets["year"] == {"2017": 2}
