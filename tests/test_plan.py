"""Free-text queries as people type them (plan.py): typos, did-you-mean, compound parts,
function words, documents with all the words first."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchd.config import Config, config_from_dict
from searchd.query.clause import WordsQuery
from searchd.query.words import derived_terms
from searchd.search import Engine
from searchd.sync import sync_index

from .conftest import module_index, write_seeds

FILLER = "De vraag werd gesteld in de commissie en de minister gaf een antwoord."
DOCS = {
    "verlaging.txt": " date 2017-01 Belastingverlaging voor gezinnen\n\nDe regering plant een "
                     "belastingverlaging voor gezinnen met kinderen. Gezinnen betalen minder.",
    "verlaging2.txt": " date 2017-02 Koopkracht\n\nEen belastingverlaging helpt de gezinnen "
                      "met een laag inkomen.",
    "hereniging.txt": " date 2017-01 De gezinshereniging.\n\nDe gezinshereniging van "
                      "vluchtelingen. Gezinshereniging vraagt tijd.",
    "justitie.txt": " date 2017-03 Gevangenissen\n\nDe minister van Justitie antwoordt over de "
                    "gevangenissen.",
    "justitie2.txt": " date 2017-03 Overbevolking\n\nVolgens de minister van Justitie zijn de "
                     "gevangenissen overbevolkt.",
    "werven.txt": " date 2017-04 Personeel\n\nDe FOD wil honderd mensen aanwerven. Werven "
                  "van personeel gaat traag.",
    "bouwwerf.txt": " date 2017-04 Diefstal\n\nDiefstallen op bouwwerven nemen toe.",
    "veilig.txt": " date 2017-05 Verkeer\n\nDe veiligheidsminister spreekt over het verkeer.",
    "aflossen.txt": " date 2017-05 Leningen\n\nGezinnen kunnen hun lening sneller aflossen.",
    **{f"vul{n}.txt": f" date 2017-06 Vraag {n}\n\n{FILLER} Nummer {n} voor de kamer."
       for n in range(12)},
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine(module_index(tmp_path_factory, "plan", DOCS))


def ids(engine: Engine, text: str, **options: object) -> list[str]:
    return [h.id for h in engine.search(text, limit=50, **options).hits]


def test_a_compound_part_in_a_short_title_does_not_outrank_the_whole_words(
        engine: Engine) -> None:
    """`belastingverlaging gezinnen`: "De gezinshereniging." came first (the part gezin)."""
    found = ids(engine, "belastingverlaging gezinnen")
    assert found[:2] == ["verlaging.txt", "verlaging2.txt"]
    assert found.index("hereniging.txt") > 2


def test_function_words_do_not_match_every_document(engine: Engine) -> None:
    """`belastingverlaging voor gezinnen` found every document with "voor", and marked it
    in every snippet."""
    with_voor = engine.search("belastingverlaging voor gezinnen")
    without = engine.search("belastingverlaging gezinnen")
    assert with_voor.total == without.total < len(DOCS) // 2
    assert all("<mark>voor</mark>" not in h.snippet for h in with_voor.hits)
    assert engine.search("voor").total >= 12  # a query of function words only still works
    assert engine.search('"voor gezinnen"').total == 1  # as does a phrase


def test_a_typo_is_corrected_and_suggested_even_with_results(engine: Engine) -> None:
    """`ministr van justitie` found documents without the minister and no suggestion."""
    result = engine.search("ministr van justitie")
    assert [h.id for h in result.hits[:2]] == ["justitie.txt", "justitie2.txt"]
    assert result.suggestion == "minister van justitie"
    assert "<mark>minister</mark>" in result.hits[0].snippet


def test_a_typo_in_a_compound(engine: Engine) -> None:
    """`belastingvrlaging` found nothing and suggested nothing."""
    result = engine.search("belastingvrlaging")
    assert {h.id for h in result.hits} == {"verlaging.txt", "verlaging2.txt"}
    assert result.suggestion == "belastingverlaging"


def test_exact_matches_rank_above_typo_matches(tmp_path: Path) -> None:
    docs = {"exact.txt": " date  Een\n\nDe tabakken in de winkel.",
            **{f"tabak{n}.txt": f" date  Twee\n\nDe tabak nummer {n}." for n in range(8)}}
    write_seeds(tmp_path / "seeds", docs)
    config = config_from_dict({}, tmp_path)
    sync_index(config)
    result = Engine(config).search("tabakken")
    assert result.hits[0].id == "exact.txt" and result.total == 9


def test_a_compound_of_known_words_no_document_holds(engine: Engine) -> None:
    """`zeppelinwerf`: the recruiting documents (werven: to recruit) were taken as full
    matches of one part; a part inside a compound (bouwwerven) still counts, weakly."""
    result = engine.search("zeppelinwerf")
    assert [h.id for h in result.hits] == ["bouwwerf.txt"]
    assert result.suggestion is None


def test_decompounding_keeps_its_recall(engine: Engine) -> None:
    found = ids(engine, "minister")
    assert "veilig.txt" in found  # veiligheidsminister
    assert found.index("veilig.txt") > found.index("justitie.txt")  # the word itself first


def test_documents_with_all_the_words_come_first(engine: Engine) -> None:
    found = ids(engine, "gezinnen aflossen")
    assert found[0] == "aflossen.txt"


def test_typos_follow_the_config(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", DOCS)
    for settings, expected in [({}, True), ({"typos": False}, False),
                               ({"typo_one": 9, "typo_two": 10}, False)]:
        config = config_from_dict({"paths": {"index": f"ix{len(settings)}"},
                                   "search": settings}, tmp_path)
        sync_index(config)
        result = Engine(config).search("ministr")
        assert (result.total > 0) == expected, settings


def test_a_phrase_with_a_typo_finds_its_documents_and_says_so(engine: Engine) -> None:
    """A word of a phrase that no document holds is searched as its near spelling the
    index holds (with a notice and "Bedoelde u"); a pattern is taken as typed."""
    typo, right = engine.search('"ministr van justitie"'), engine.search('"minister van justitie"')
    assert right.total > 0 and [h.id for h in typo.hits] == [h.id for h in right.hits]
    assert typo.notices == ["ministr: in no document; searched as minister"]
    assert typo.suggestion == '"minister van justitie"'
    assert engine.search("ministr*").total == 0


def test_the_plan_of_a_query(engine: Engine) -> None:
    plan = engine.view().plan("De belastingvrlaging voor gezinnen")
    q, notices = plan.query, list(plan.notices)
    assert isinstance(q, WordsQuery) and notices == []
    assert [c.word for c in q.clauses] == ["belastingvrlaging", "gezinnen"]
    assert [t.word for t in q.clauses[0].typos] == ["belastingverlaging"]


@pytest.mark.parametrize("noun, base", [("aflossing", "aflos"), ("arrestatie", "arrester"),
                                        ("veiligheid", "veilig"), ("gezondheid", "gezond"),
                                        ("woning", None), ("overheid", None)])
def test_derivations(noun: str, base: str | None) -> None:
    assert derived_terms(noun, "dutch_porter") == ((base,) if base else ())


def test_searchd_search_queries_prints_trec_lines_with_the_default_config(
        engine: Engine, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from searchd.cli import main

    config: Config = engine.config
    conf = tmp_path / "config.toml"
    conf.write_text(f'[paths]\nseeds = "{config.seeds}"\nindex = "{config.index}"\n')
    (tmp_path / "q.tsv").write_text("q1\tministr van justitie\nq2\tbelastingverlaging\n")
    out = CliRunner().invoke(main, ["--config", str(conf), "search", "--queries",
                                    str(tmp_path / "q.tsv"), "--limit", "3"]).output
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["q1", "Q0", "justitie.txt", "1"]
    assert all(len(line.split()) == 6 and line.endswith(" searchd") for line in lines)


def test_near_spellings_are_bounded_and_the_cut_is_said(tmp_path: Path) -> None:
    words = ["stad", "stads", "stade", "stadt", "stady", "stada"]
    write_seeds(tmp_path / "seeds", {f"{w}.txt": f" date  {w}\n\nHet woord {w}." for w in words})
    config = config_from_dict({}, tmp_path)
    sync_index(config)
    result = Engine(config).search("stadx")
    assert result.total == 4
    assert result.notices == ["stadx: 6 words of the index are spelled nearly so; searched "
                              "the 4 most frequent"]


def test_only_a_few_unknown_words_of_a_query_are_looked_up(engine: Engine) -> None:
    """Each word looked up for near spellings costs milliseconds: a query of a hundred
    unknown words must not cost seconds."""
    from searchd.query import budget

    words = [f"qzx{chr(97 + n % 26)}{chr(97 + n // 26)}wvk" for n in range(40)]
    with budget.limited():
        plan = engine.view().plan(" ".join(words))
        q, notices = plan.query, list(plan.notices)
    assert sum(bool(c.typos) for c in q.clauses) == 0
    assert notices == ["too many words are unknown to look up near spellings of all of "
                       "them; the others were searched as typed"]
    assert engine.search("ministr " + " ".join(words[:3])).suggestion.startswith("minister")


def test_stop_words_alone_find_nothing_and_say_why(engine: Engine) -> None:
    """`het` found 707 documents through "hebt" and "hadden", `een` through "eerste"."""
    for query in ("het", "een", "van de"):
        result = engine.search(query)
        assert result.total == 0 and result.suggestion is None
        assert any("too common" in n for n in result.notices), query


def test_each_hit_names_the_words_it_lacks(engine: Engine) -> None:
    """`wapenexport Saoedi-Arabië` showed documents about Saudi espionage and firearms, and
    nothing said that no document holds wapenexport."""
    result = engine.search("gevangenissen zeppelinwerf")
    assert result.hits and all(h.missing == ("zeppelinwerf",) for h in result.hits
                               if "justitie" in h.id)
    assert any(n.startswith("zeppelinwerf: in no document") for n in result.notices)
    both = engine.search("gevangenissen minister")
    assert [h.missing for h in both.hits if h.id == "justitie.txt"] == [()]
    assert "missing" in both.hits[0].to_dict()
    assert engine.search("gevangenissen").hits[0].missing == ()  # one word: nothing to say
    twice = engine.search("zeppelinwerf gevangenissen zeppelinwerf")
    assert all(h.missing.count("zeppelinwerf") <= 1 for h in twice.hits)
    assert sum(n.startswith("zeppelinwerf:") for n in twice.notices) == 1


def test_an_exclusion_never_adds_results_and_keeps_the_planners_features(
        engine: Engine) -> None:
    """`mondmaskers -apotheek` found 183 documents and `mondmaskers` 157: one `-` sent the
    whole query through Whoosh's parser, without typo tolerance, compounds or lemmas."""
    plain = set(ids(engine, "gezinnen"))
    less = set(ids(engine, "gezinnen -hereniging"))
    assert less < plain and "verlaging.txt" in less
    assert "hereniging.txt" in plain and "hereniging.txt" not in less  # the part too
    assert set(ids(engine, "gezinen -lening")) <= set(ids(engine, "gezinen"))  # typo kept
    assert "aflossen.txt" not in ids(engine, "gezinnen -leningen")  # any form excluded
