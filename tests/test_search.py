"""Search: ranking on a tiny Dutch index, the query language, dates, paging, snippets."""

from dataclasses import replace
from pathlib import Path

import pytest

from searchd.config import Config
from searchd.errors import NoIndexError, QueryError
from searchd.search import Engine, search

from .conftest import DOCS, write_seeds


@pytest.fixture
def engine(built: Config) -> Engine:
    return Engine(built)


def hit_ids(engine: Engine, query: str, **kw) -> list[str]:
    return [h.id for h in engine.search(query, **kw).hits]


def test_stemmed_and_folded_variants_match(engine: Engine) -> None:
    assert hit_ids(engine, "strijder") == ["kat.txt"]
    assert hit_ids(engine, "categorieen") == ["zonder-datum.txt"]
    assert hit_ids(engine, "geevalueerd") == ["zonder-datum.txt"]
    assert hit_ids(engine, "5600") == ["sub/begroting.txt"]
    assert hit_ids(engine, "email") == ["zonder-datum.txt"]


def test_snippet_marks_every_variant_and_escapes(engine: Engine) -> None:
    hit = engine.search("strijder").hits[0]
    assert "<mark>strijders</mark>" in hit.snippet
    assert "IS-<mark>strijders</mark>" in hit.snippet or "<mark>IS-strijders</mark>" in hit.snippet


def test_title_outranks_body(built: Config, seeds) -> None:
    (seeds / "titel.txt").write_text(" date 2017-02 Begroting\n\nOver iets anders.")
    (seeds / "lang.txt").write_text(" date 2017-02 Iets anders\n\nDe begroting van iets.")
    from searchd.sync import sync_index
    sync_index(built)
    ids = hit_ids(Engine(built), "begroting")
    assert ids.index("titel.txt") < ids.index("lang.txt")


def test_natural_language_query_finds_best_document(engine: Engine) -> None:
    ids = hit_ids(engine, "Waarom fietsen zoveel mensen met de fiets naar hun werk?")
    assert ids[0] == "fiets.txt"


def test_more_matching_words_rank_first(engine: Engine) -> None:
    assert hit_ids(engine, "stad fietspaden")[0] == "fiets.txt"


def test_query_language(engine: Engine) -> None:
    assert hit_ids(engine, '"islamitische staat"') == ["kat.txt"]
    assert hit_ids(engine, '"staat islamitische"') == []
    assert hit_ids(engine, "stad -fietsen") == ["kat.txt"]
    assert hit_ids(engine, "stad NOT fietsen") == ["kat.txt"]
    assert set(hit_ids(engine, "fietsen OR begroting")) == {"fiets.txt", "sub/begroting.txt"}
    assert hit_ids(engine, "stad AND fietspaden") == ["fiets.txt"]
    assert hit_ids(engine, "title:begroting") == ["sub/begroting.txt"]
    assert hit_ids(engine, "terreur*") == ["kat.txt"]


@pytest.mark.parametrize("query", ['"open', "(a OR", "AND", "title:", "-", "*", "))((",
                                   "NOT", "'s", "field:x", "NOT AND 0", "OR OR", "AND NOT"])
def test_odd_syntax_never_raises(engine: Engine, query: str) -> None:
    """Odd syntax is searched as far as it means something: a page of real documents, or
    none, and never an error."""
    result = engine.search(query, limit=2)
    assert 0 <= result.total <= len(DOCS)
    assert len(result.hits) == min(result.total, 2)
    assert {hit.id for hit in result.hits} <= set(DOCS)


def test_date_filters(engine: Engine) -> None:
    assert hit_ids(engine, "stad", since="2017-01") == ["kat.txt"]
    assert hit_ids(engine, "stad", until="2016-12") == ["fiets.txt"]
    assert hit_ids(engine, "stad", since="2016-03", until="2016-03") == ["fiets.txt"]


@pytest.mark.parametrize("kw", [{"since": "2017-13"}, {"until": "gisteren"},
                                {"since": "2018-01", "until": "2017-01"},
                                {"page": 0}, {"limit": 0}, {"limit": 10**6}])
def test_bad_parameters_are_query_errors(engine: Engine, kw: dict) -> None:
    with pytest.raises(QueryError):
        engine.search("stad", **kw)


def test_too_long_query_is_refused(engine: Engine) -> None:
    with pytest.raises(QueryError, match="too long"):
        engine.search("stad " * 500)


def test_paging(engine: Engine) -> None:
    first = engine.search("de stad fietsen begroting auto", limit=2)
    second = engine.search("de stad fietsen begroting auto", limit=2, page=2)
    assert first.total == second.total == 4 and first.pages == 2
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert engine.search("stad", page=50).hits == []


def test_result_shape(engine: Engine) -> None:
    data = engine.search("stad").to_dict()
    assert list(data) == ["query", "total", "page", "limit", "took_ms", "hits",
                         "suggestion", "notices", "sort", "facets"]
    assert list(data["hits"][0]) == ["id", "title", "date", "score", "snippet", "format",
                                     "author", "missing",
                                     "duplicate_count", "duplicates"]
    assert {h["date"] for h in data["hits"]} <= {"2017-11", "2016-03"}


def test_document_view_highlights_all_matches(engine: Engine) -> None:
    view = engine.document("kat.txt", "strijder")
    assert view.matches == 2 and view.body_html.count("<mark") == 2
    assert '<mark id="m1">' in view.body_html


def test_no_index_is_a_clear_error(config: Config) -> None:
    with pytest.raises(NoIndexError):
        search(config, "stad")


def test_an_index_of_an_empty_folder_answers_with_nothing(tmp_path) -> None:
    from searchd.config import config_from_dict
    from searchd.sync import sync_index
    from searchd.web import create_app

    (tmp_path / "seeds").mkdir()
    config = config_from_dict({"paths": {"seeds": "seeds", "index": "index"}}, tmp_path)
    sync_index(config)
    with Engine(config) as engine:
        result = engine.search("minister", facets=True)
        assert result.total == 0 and result.hits == [] and result.suggestion is None
        assert engine.complete("mi") == []
    client = create_app(config).test_client()
    assert client.get("/?q=minister").status_code == 200
    assert client.get("/api/search?q=minister").get_json()["total"] == 0


def test_suggestion_for_a_misspelled_word(engine: Engine) -> None:
    result = engine.search("Islamitsche staat")
    assert result.suggestion == "Islamitische staat"
    assert engine.search("strijders").suggestion is None
    assert engine.search("zzzzqqq").suggestion is None


def test_synonyms_apply_at_query_time(built: Config, tmp_path) -> None:
    from dataclasses import replace

    (tmp_path / "syn.txt").write_text("# groups\nIS, Islamitische Staat\nrijwiel, fiets\n")
    engine = Engine(replace(built, synonyms=tmp_path / "syn.txt"))
    assert hit_ids(engine, "rijwiel") == ["fiets.txt"]
    assert hit_ids(engine, "Islamitische Staat")[0] == "kat.txt"
    assert hit_ids(Engine(built), "rijwiel") == []


def test_dutch_elision_hyphen_is_not_a_negation(engine: Engine) -> None:
    assert hit_ids(engine, "aanslagen en -strijders") == ["kat.txt"]
    assert hit_ids(engine, "stad -strijders") == ["fiets.txt"]


def test_a_part_finds_and_marks_the_whole_compound(built: Config, seeds) -> None:
    (seeds / "min.txt").write_text(" date 2017-03 Nieuws\n\nDe veiligheidsminister sprak.")
    from searchd.sync import sync_index
    sync_index(built)
    hits = {h.id: h for h in Engine(built).search("minister").hits}
    assert "<mark>veiligheidsminister</mark>" in hits["min.txt"].snippet


def test_a_compound_query_finds_its_parts(engine: Engine) -> None:
    assert hit_ids(engine, "fietsstad")[0] == "fiets.txt"


def test_hyphenated_words_match_their_parts_as_a_phrase(engine: Engine) -> None:
    assert hit_ids(engine, '"IS strijders"') == ["kat.txt"]
    assert hit_ids(engine, "isstrijders") == ["kat.txt"]
    assert hit_ids(engine, '"Syrisch Koerdische strijders"') == ["kat.txt"]


def test_a_search_whose_files_vanish_is_retried_on_the_new_index(built: Config, seeds) -> None:
    """A merge can delete files an older searcher has not opened yet: when the index
    changed during the call, the call runs again on a new view; otherwise the error stands."""
    from searchd.sync import sync_index

    engine = Engine(built)
    views = []

    def action(view):  # type: ignore[no-untyped-def]
        views.append(view)
        if len(views) == 1:
            (seeds / "nieuw.txt").write_text(" date 2018-01 Nieuw\n\nEen nieuwe tekst.")
            sync_index(built)  # the index changes while the search runs
            raise FileNotFoundError("a segment file merged away")
        return view

    assert engine._retrying(action) is views[1] and views[1] is not views[0]

    def broken(view):  # type: ignore[no-untyped-def]
        raise FileNotFoundError("a real problem")

    with pytest.raises(FileNotFoundError):
        engine._retrying(broken)


def test_no_suggestion_of_another_form_of_the_same_word(engine: Engine) -> None:
    result = engine.search("strijder")  # found through its lemma; "strijders" is no better
    assert result.total == 1 and result.suggestion is None
    assert engine.search("strijdres").suggestion == "strijders"


def test_repeated_searches_come_from_the_result_cache(built: Config, seeds, monkeypatch) -> None:
    from searchd import search as search_module
    from searchd.sync import sync_index

    calls = []
    real = search_module.rank
    monkeypatch.setattr(search_module, "rank", lambda *a, **k: calls.append(1) or real(*a, **k))
    engine = Engine(built)
    first, again = engine.search("stad"), engine.search("stad")
    assert len(calls) == 1 and again.hits == first.hits and again.total == first.total
    engine.search("stad", page=2)
    engine.search("stad", snippets=False)
    assert len(calls) == 3  # another page, another shape: searched
    write_seeds(seeds, {"nieuw.txt": " date 2020-05 Nieuw\n\nDe stad groeit."})
    sync_index(built)
    assert engine.search("stad").total == first.total + 1  # the index changed: not stale
    assert len(calls) == 4


def test_the_result_cache_can_be_turned_off(built: Config, monkeypatch) -> None:
    from dataclasses import replace

    from searchd import search as search_module

    calls = []
    real = search_module.rank
    monkeypatch.setattr(search_module, "rank", lambda *a, **k: calls.append(1) or real(*a, **k))
    engine = Engine(replace(built, result_cache_mb=0))
    engine.search("stad")
    engine.search("stad")
    assert len(calls) == 2


def test_a_suggestion_is_one_edit_away_below_nine_letters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"script" (rare) was offered "strikt" (frequent), two edits away."""
    from searchd.config import config_from_dict
    from searchd.sync import sync_index

    from .conftest import write_seeds

    docs = {f"s{n}.txt": f" date  Regel {n}\n\nDe regel is strikt {n}." for n in range(12)}
    docs["script.txt"] = " date  Code\n\nEen script draait."
    write_seeds(tmp_path / "seeds", docs)
    config = config_from_dict({}, tmp_path)
    sync_index(config)
    engine = Engine(config)
    assert engine.search("script").suggestion is None
    assert engine.search("strkt").suggestion == "strikt"


def test_the_json_of_a_result_has_every_field_in_order(engine: Engine) -> None:
    """to_dict() is built by hand (for speed): it must stay what dataclasses.asdict gives,
    and not share the cached result's lists and dicts."""
    from dataclasses import asdict, fields

    from searchd.search import SearchResult

    result = engine.search("stad OR fietsen")
    data = result.to_dict()
    assert list(data) == [f.name for f in fields(SearchResult)]
    assert data == {**asdict(result), "hits": [hit.to_dict() for hit in result.hits]}
    data["notices"].append("x")
    data["facets"]["year"]["1900"] = 1
    assert result.to_dict() == {**asdict(result), "hits": [h.to_dict() for h in result.hits]}
    assert "x" not in result.notices and "1900" not in result.facets["year"]


@pytest.mark.parametrize("setting, asked", [(None, False), ("1", True)])
def test_numpy_huge_pages_are_off_unless_the_user_asks_for_them(setting: str | None,
                                                                asked: bool) -> None:
    """(Faulting in huge pages for every large array made searches at 219k documents
    4 times slower: searchd/__init__.py.)"""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if setting is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = setting
    code = ("import searchd.search\nfrom numpy._core import multiarray\n"
            "print(multiarray._get_madvise_hugepage())")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == str(asked)


def test_a_synonyms_file_that_is_no_regular_file_is_a_clear_error(built: Config,
                                                                   tmp_path: Path) -> None:
    """/dev/zero (endless) or a FIFO (waits for a writer) as the synonyms file: a config
    error at once, not a hang."""
    import os

    from searchd.errors import ConfigError

    os.mkfifo(tmp_path / "pijp.txt")
    for path in (Path("/dev/zero"), tmp_path / "pijp.txt"):
        with pytest.raises(ConfigError, match="not a regular file"):
            Engine(replace(built, synonyms=path))


def test_serve_refuses_port_0(runner, built: Config) -> None:  # type: ignore[no-untyped-def]
    from searchd.cli import main

    result = runner.invoke(main, ["serve", "--port", "0"])
    assert result.exit_code == 2 and "1<=x<=65535" in result.output


PHRASE_DOCS = {
    "justitie.txt": " date 2020-01 Vraag\n\nDe minister van Justitie antwoordt. De Raad van "
                    "State gaf advies over de bescherming van de persoonlijke levenssfeer.",
    "naast.txt": " date 2020-01 Naast\n\nDe minister justitie; de raad state.",
    "ver.txt": " date 2020-01 Ver\n\nDe minister sprak met de raad over justitie in de staat.",
    "meervoud.txt": " date 2020-01 Meer\n\nDe ministers van justitie kwamen samen.",
}


@pytest.fixture(scope="module")
def phrases(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    from .conftest import module_index

    return Engine(module_index(tmp_path_factory, "phrases", PHRASE_DOCS))


@pytest.mark.parametrize("query, expected", [
    ('"minister van Justitie"', {"justitie.txt", "meervoud.txt"}),
    ('"ministers van justitie"', {"justitie.txt", "meervoud.txt"}),  # other forms too
    ('"Raad van State"', {"justitie.txt"}),
    ('"bescherming van de persoonlijke levenssfeer"', {"justitie.txt"}),
    ('"de minister van Justitie"', {"justitie.txt", "meervoud.txt"}),  # (a stop word first)
    ('"minister justitie"', {"naast.txt"}),  # no gap asked for: side by side
    ('"minister van Justitie" -kwamen', {"justitie.txt"}),
    ('"raad van state" minister', {"justitie.txt"}),
])
def test_phrases_keep_the_gap_of_a_stop_word(phrases: Engine, query: str,
                                             expected: set[str]) -> None:
    """The index keeps the position of a stop word; a quoted phrase asks for it too (it
    asked for its other words side by side and found nothing)."""
    found = phrases.search(query, limit=20)
    assert {h.id for h in found.hits} >= expected
    if not query.endswith("minister"):
        assert {h.id for h in found.hits} == expected


def test_a_gapped_phrase_is_cut_down_and_bounded_like_any(phrases: Engine) -> None:
    from searchd.storage import GappedPhrase

    q = phrases.view().plan('"Raad van State"').query
    leaves = [leaf for leaf in q.leaves() if isinstance(leaf, GappedPhrase)]
    assert leaves and all(leaf.offsets == (0, 2) for leaf in leaves)
    assert leaves[0].normalize() == leaves[0]


def test_a_phrase_keeps_its_stop_words_as_typed(tmp_path: Path) -> None:
    """The index keeps the gap of a stop word, not the word: "minister en justitie" would
    match "minister van justitie" by position; the stored text decides."""
    from searchd.config import config_from_dict
    from searchd.sync import sync_index

    write_seeds(tmp_path / "seeds", {**PHRASE_DOCS,
                                     "en.txt": " date 2020-01 En\n\nDe minister en justitie."})
    config = config_from_dict({}, tmp_path)
    sync_index(config)
    engine = Engine(config)
    found = engine.search('"minister van Justitie"')
    assert {h.id for h in found.hits} == {"justitie.txt", "meervoud.txt"}
    assert found.total == 2 and found.facets["year"] == {"2020": 2}
    assert {h.id for h in engine.search('"minister en Justitie"').hits} == {"en.txt"}
