"""Hostile queries: arbitrary text and parameters never crash search or the API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

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
    from .conftest import DOCS, module_index

    return Engine(module_index(tmp_path_factory, "hostile", DOCS))


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
    assert many.total == 0 and many.notices == ["w0, w1, w2 and 187 more words: in no document"]


def test_pattern_expansions_are_capped(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import searchd.query.bounds as bounds

    monkeypatch.setattr(bounds, "MAX_EXPANSIONS", 1)
    result = engine.search("st*")  # stad, staat, steeds, ...
    assert result.total >= 1 and "most frequent" in result.notices[0]


def test_parsing_builds_each_operator_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoosh built both children of every binary operator twice: 22 nested ANDNOTs took
    minutes. Each operator's group is now built once."""
    from whoosh.qparser import syntax

    from searchd.query.bounds import MAX_OPERATORS
    from searchd.query.parsing import build_parser, parse_query
    from searchd.schema import build_schema

    calls = []
    original = syntax.BinaryGroup.query
    monkeypatch.setattr(syntax.BinaryGroup, "query",
                        lambda self, parser: calls.append(1) or original(self, parser))
    parser = build_parser(build_schema("dutch", True), 2.0, 0.3)
    q, notices = parse_query(parser, "belasting ANDNOT " * MAX_OPERATORS + "x")
    assert len(calls) == MAX_OPERATORS and notices == []
    assert "AndNot" in repr(q)


@pytest.mark.parametrize("text", [("belasting ANDNOT " * 22) + "x",
                                  "(" * 30 + "stad OR x" + ")" * 30,
                                  " ".join(f"+w{n}" for n in range(25)),
                                  "((((((( stad AND fiets )))))))"])
def test_too_many_operators_are_searched_as_plain_words(engine: Engine, text: str) -> None:
    result = engine.search(text)
    assert result.notices and "searched as plain words" in result.notices[0]
    q = engine.view().plan(text).query
    assert "AndNot" not in repr(q) and "AndMaybe" not in repr(q)


@pytest.mark.parametrize("text", ["*", "title:*", "*:*", "* OR stad", "body:*"])
def test_every_document_is_never_searched(engine: Engine, text: str) -> None:
    plan = engine.view().plan(text)
    q, notices = plan.query, list(plan.notices)
    assert "Every" not in repr(q)
    assert any("at least 2 letters" in n for n in notices), notices
    assert engine.search(text).total <= 1  # only "stad" finds something


@pytest.mark.parametrize("text", ["[a TO zzzz]", "{a TO b]", "title:[stad TO z]"])
def test_ranges_are_not_query_syntax(engine: Engine, text: str) -> None:
    q = engine.view().plan(text).query
    assert "Range" not in repr(q)


def test_patterns_and_phrases_per_query_are_capped(engine: Engine) -> None:
    from searchd.query.bounds import MAX_PATTERNS, MAX_PHRASES

    patterns = " ".join(f"{a}{b}*" for a in "sf" for b in "taei")
    result = engine.search(patterns)
    assert len(patterns.split()) > MAX_PATTERNS
    assert any(f"at most {MAX_PATTERNS} patterns" in n for n in result.notices)
    q = engine.view().plan(patterns).query
    assert len({t.text.lstrip("~")[:2] for t in q.leaves()}) <= MAX_PATTERNS
    phrases = " ".join(f'"de stad {n}"' for n in range(MAX_PHRASES + 2))
    notices = engine.search(phrases).notices
    assert sum(f"at most {MAX_PHRASES} phrases" in n for n in notices) == 2


def test_a_phrase_of_common_words_is_searched_as_words(engine: Engine,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import searchd.query.bounds as bounds

    exact = engine.search('"strijders heroverden"')
    monkeypatch.setattr(bounds, "MAX_PHRASE_POSITIONS", 1)
    result = Engine(engine.config).search('"strijders heroverden"')  # not from the cache
    assert "too common to check their order" in result.notices[0]
    assert result.total == exact.total == 1
    q = engine.view().plan('"strijders heroverden"').query
    assert "Phrase('body'" not in repr(q)  # (not in the title, which holds neither word)


def test_a_search_past_its_budget_is_a_clear_400(engine: Engine,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import searchd.query.budget as budget

    monkeypatch.setattr(budget, "SEARCH_CPU_SECONDS", -1.0)
    client = create_app(engine.config).test_client()
    response = client.get("/api/search", query_string={"q": '"strijders heroverden" x'})
    assert response.status_code == 400
    assert "too much work" in response.get_json()["error"]["message"]
    page = client.get("/?q=stad+fietsen")
    assert page.status_code == 400 and "te veel werk" in page.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "too_costly"


def test_costly_queries_wait_for_a_slot_and_plain_ones_do_not(engine: Engine) -> None:
    from searchd.query import budget

    client = create_app(engine.config).test_client()
    with budget.costly_slot():  # another thread's phrase search is running
        busy = client.get("/api/search", query_string={"q": '"strijders heroverden"'})
        plain = client.get("/api/search", query_string={"q": "stad fietsen"})
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert "try again" in busy.get_json()["error"]["message"]
    assert plain.status_code == 200 and plain.get_json()["total"] >= 1
    again = client.get("/api/search", query_string={"q": '"strijders heroverden"'})
    assert again.status_code == 200


@contextmanager
def slot_held_elsewhere() -> Iterator[None]:
    """Another thread holds the process's costly slot for the block (as a costly search
    running meanwhile would)."""
    import threading

    from searchd.query import budget

    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with budget.costly_slot():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    try:
        yield
    finally:
        release.set()
        thread.join()


def _count_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The words looked up for near spellings (typos and "Bedoelde u" alike)."""
    import searchd.suggest as suggest

    looked: list[str] = []
    real = suggest._same_first_letter

    def counting(tables, folded, edits):  # type: ignore[no-untyped-def]
        looked.append(folded)
        return real(tables, folded, edits)

    monkeypatch.setattr(suggest, "_same_first_letter", counting)
    return looked


def test_near_spellings_share_one_allowance_per_search(engine: Engine,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A hundred made-up words: typo tolerance and "Bedoelde u" together look up at most
    MAX_LOOKUPS of them, and the search is answered."""
    from searchd.query import budget

    looked = _count_lookups(monkeypatch)
    words = " ".join(f"q{chr(97 + n % 26)}{chr(97 + n // 26 % 26)}zxwvkt" for n in range(100))
    result = engine.search(words)
    assert result.total == 0
    assert 0 < len(looked) <= budget.MAX_LOOKUPS
    assert any("near spellings" in notice for notice in result.notices)


def test_more_unknown_words_than_the_free_lookups_need_the_costly_slot(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A search is known to be cheap only when at most FREE_LOOKUPS of its words are unknown
    (each is looked up for near spellings: a made-up compound of real words cost 5-15 ms,
    and 16 clients sending twelve of them made /healthz take 776 ms at p95). While another
    search holds the process's costly slot, one of more unknown words is refused at once,
    with nothing looked up; one of FREE_LOOKUPS unknown words is answered."""

    from searchd.errors import BusyError
    from searchd.query import budget

    looked = _count_lookups(monkeypatch)
    with slot_held_elsewhere():
        made_up = ["stadfietsenstrijderskat", "katstadstrijdersfietsen", "fietsenkatstadheroverd"]
        with pytest.raises(BusyError):
            engine.search(" ".join(made_up))
        assert looked == []
        result = engine.search(" ".join(made_up[:budget.FREE_LOOKUPS]) + " stad fietsen")
    assert len(looked) == budget.FREE_LOOKUPS and result.total >= 1


def test_the_document_page_plans_patterns_in_the_costly_slot(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from searchd.errors import BusyError
    from searchd.query import budget

    taken: list[bool] = []
    real = budget.costly_slot

    def spying(*args, **kwargs):  # type: ignore[no-untyped-def]
        taken.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(budget, "costly_slot", spying)
    engine.document("kat.txt", "str* stad* he* ter* bu*")
    assert taken
    taken.clear()
    engine.document("kat.txt", "strijders stad")
    assert not taken
    with real():  # held elsewhere: the page with patterns is refused, not slowed
        import threading
        errors: list[BaseException] = []

        def other() -> None:
            try:
                engine.document("kat.txt", "str* stad*")
            except BusyError as exc:
                errors.append(exc)

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert errors


def test_only_one_search_waits_for_the_costly_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the slot is held and one search waits for it, the next is refused at once
    (waiting ones held every thread of a worker, and /healthz queued behind them)."""
    import threading
    import time

    from searchd.errors import BusyError
    from searchd.query import budget

    monkeypatch.setattr(budget, "COSTLY_WAIT", 2.0)
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with budget.costly_slot():
            held.set()
            release.wait(10)

    def waiter() -> None:
        with budget.costly_slot(wait=2.0):
            pass

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    held.wait(5)
    threads.append(threading.Thread(target=waiter))
    threads[1].start()
    deadline = time.monotonic() + 5
    while budget._waiting[0] < 1:  # the waiter is waiting for the slot
        assert time.monotonic() < deadline
        time.sleep(0.01)
    started = time.monotonic()
    with pytest.raises(BusyError):
        with budget.costly_slot(wait=2.0):
            pass
    assert time.monotonic() - started < 0.5
    release.set()
    for t in threads:
        t.join()


def test_a_search_of_many_words_takes_the_costly_slot(engine: Engine) -> None:
    import threading

    from searchd.errors import BusyError
    from searchd.query import budget

    with budget.costly_slot():  # held here: the search of another thread finds it taken
        outcome: list[object] = []

        def long_search() -> None:
            try:
                outcome.append(engine.search(" ".join(["fiets"] * 13) + " stad"))
            except BusyError as exc:
                outcome.append(exc)

        t = threading.Thread(target=long_search)
        t.start()
        t.join()
        short = engine.search("fiets stad strijders")  # a few words: no slot needed
    assert isinstance(outcome[0], BusyError) and short.total >= 1


@pytest.mark.parametrize("text", [
    "-".join(["stad", "fietsen", "strijders", "kat"] * 8),     # one token, 33 words
    "'".join(["stad", "fietsen", "strijders", "kat"] * 8),
    "stadfietsenstrijderskat" * 10,                            # one 230-letter word
])
def test_chains_and_giant_words_need_the_costly_slot(engine: Engine, text: str) -> None:
    """Words joined by hyphens or apostrophes passed as one word outside the costly slot:
    16 clients made a plain search take 0.7-1.6 s at p95."""

    from searchd.errors import BusyError

    with slot_held_elsewhere():
        with pytest.raises(BusyError):
            engine.search(text)
        assert engine.search("stad-fietsen").total >= 0  # a hyphenated word stays cheap
