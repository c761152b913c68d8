"""Hostile queries: arbitrary text and parameters never crash search or the API."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from searchd.errors import QueryError
from searchd.search import Engine
from searchd.web import create_app

SYNTAX = st.sampled_from(['"', "(", ")", "AND", "OR", "NOT", "-", "+", "*", "?", "title:",
                          "body:", "foo:", "date:", "^2", "'", "\\", "~", "[", "]", "{", "}",
                          ":", "%", "<script>", "\x00", "é", "ĳ", "😀", "\u202e", " ", "a*"])
QUERIES = st.one_of(st.text(max_size=200), st.lists(st.one_of(SYNTAX, st.text(max_size=8)),
                                                    max_size=30).map(" ".join))
FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    from searchd.config import config_from_dict
    from searchd.sync import sync_index

    from .conftest import DOCS, write_seeds

    root = tmp_path_factory.mktemp("hostile")
    write_seeds(root / "seeds", DOCS)
    config = config_from_dict({}, root)
    sync_index(config)
    return Engine(config)


@FAST
@given(text=QUERIES)
@example(text="0 AND *")  # an OR of no postings, ANDed: its scores were integers
def test_search_never_raises_anything_but_query_error(engine: Engine, text: str) -> None:
    try:
        result = engine.search(text)
    except QueryError:
        return
    assert result.total >= 0 and len(result.hits) <= result.limit


@FAST
@given(text=QUERIES, page=st.one_of(st.integers(), st.text(max_size=12)),
       limit=st.one_of(st.integers(), st.text(max_size=12)),
       since=st.one_of(st.none(), st.text(max_size=10), st.sampled_from(["2017-01", "2017-13"])),
       until=st.one_of(st.none(), st.text(max_size=10), st.sampled_from(["2016-12", "0000-00"])))
@example(text="", page=0, limit="²", since=None, until=None)  # a digit int() refuses
@example(text="", page=1, limit=10, since="2017-0²", until=None)
def test_api_answers_200_or_400_with_json(engine: Engine, text: str, page: object,
                                          limit: object, since: str | None,
                                          until: str | None) -> None:
    client = create_app(engine.config).test_client()
    params = {"q": text, "page": str(page), "limit": str(limit)}
    params.update({k: v for k, v in (("since", since), ("until", until)) if v is not None})
    response = client.get("/api/search", query_string=params)
    assert response.status_code in (200, 400), response.data[:300]
    assert response.is_json
    if response.status_code == 400:
        assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": str(10**9)}, {"limit": str(10**6)},
                                    {"since": "2018-01", "until": "2017-01"},
                                    {"since": "gisteren"}, {"q": "x" * 5000}])
def test_out_of_range_parameters_are_400(engine: Engine, params: dict) -> None:
    client = create_app(engine.config).test_client()
    response = client.get("/api/search", query_string={"q": "stad", **params})
    assert response.status_code == 400 and "error" in response.get_json()


def test_expensive_patterns_are_bounded_and_reported(engine: Engine) -> None:
    for pattern in ["*a*", "s*", "?"]:
        result = engine.search(pattern)
        assert result.total == 0 and "at least 2 letters" in result.notices[0]
    many = engine.search(" ".join(f"w{n}" for n in range(190)))
    assert many.total == 0 and many.notices == []


def test_pattern_expansions_are_capped(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import searchd.query as query

    monkeypatch.setattr(query, "MAX_EXPANSIONS", 1)
    result = engine.search("st*")  # stad, staat, steeds, ...
    assert result.total >= 1 and "most frequent" in result.notices[0]
