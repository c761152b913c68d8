"""The Dutch analyzer, asserted as exact token lists."""

from pathlib import Path

import pytest

from searchd.analysis import analyze, explain
from searchd.analysis.folding import fold


@pytest.mark.parametrize("text, tokens", [
    ("De strijders", ["strijder"]),
    ("auto's en menu's", ["auto", "menu"]),
    ("'s-Hertogenbosch", ["hertogenbosch"]),
    ("'s avonds", ["avond"]),
    ("IS-strijders", ["isstrijder", "is", "strijder"]),
    ("e-mail", ["email", "e", "mail"]),
    ("Één categorieën", ["categorie"]),
    ("geëvalueerd", ["evaluer"]),
    ("5.600 euro", ["5600", "euro"]),
    ("3,5 procent", ["3,5", "procent"]),
    ("d'Hondt", ["dhondt"]),
])
def test_tokens(text: str, tokens: list[str]) -> None:
    assert analyze(text) == tokens


def test_stop_words_dropped_but_acronyms_kept() -> None:
    assert analyze("het is de tijd") == ["tijd"]
    assert analyze("IS is terug") == ["is", "terug"]


def test_folding() -> None:
    assert fold("Coöperatie") == "cooperatie"
    assert fold("reëel") == "reeel"
    assert fold("ĳs") == "ijs"


def test_index_and_query_forms_meet() -> None:
    assert analyze("categorieen") == analyze("categorieën")
    assert analyze("geevalueerd") == analyze("geëvalueerd")
    assert analyze("strijder") == analyze("strijders")


def test_explain_gives_offsets_into_the_text() -> None:
    text = "Buitenlandse IS-strijders"
    tokens = explain(text)
    assert [(t.text, t.position) for t in tokens] == [
        ("buitenlands", 0), ("isstrijder", 1), ("is", 1), ("strijder", 2)]
    assert [text[t.start:t.end] for t in tokens] == [
        "Buitenlandse", "IS-strijders", "IS", "strijders"]


def test_unknown_words_fall_back_to_the_configured_snowball_stemmer() -> None:
    assert analyze("blorpen") == ["blorp"]
    assert analyze("blorpen", stemmer="dutch") == ["blorp"]
    assert analyze("flimsiger", stemmer="dutch") != analyze("flimsiger")


@pytest.mark.parametrize("text, tokens", [
    ("steden stad", ["stad", "stad"]),
    ("bomen boom bom", ["boom", "boom", "bom"]),
    ("schreef geschreven schrijven", ["schrijven", "schrijven", "schrijven"]),
    ("liep gelopen lopen loop", ["loop", "loop", "loop", "loop"]),
    ("leden lid", ["lid", "lid"]),
    ("ogen oog", ["oog", "oog"]),
    ("fietsen fiets", ["fiets", "fiets"]),
    ("minister", ["minister"]),
    ("aanslagen aanslag", ["aanslag", "aanslag"]),
    ("tafeltje tafel", ["tafel", "tafel"]),
    ("Franse kleine", ["frans", "klein"]),
    ("school", ["school"]),
    ("wet weten", ["wet", "weten"]),
    ("wagen vrachtwagens", ["wagen", "vrachtwagen"]),
])
def test_lemmas_repair_snowball(text: str, tokens: list[str]) -> None:
    assert analyze(text) == tokens


@pytest.mark.parametrize("text, tokens", [  # a compound's parts are marked: ~minister
    ("veiligheidsminister", ["veiligheidsminister", "~veiligheid", "~minister"]),
    ("terreurgroep", ["terreurgroep", "~terreur", "~groep"]),
    ("ziekenhuisbedden", ["ziekenhuisbed", "~ziekenhuis", "~bed"]),
    ("boekenkast", ["boekenkast", "~boek", "~kast"]),
    ("aanslag", ["aanslag"]),
    ("kantoren", ["kantoor"]),
    ("balans", ["balans"]),
    ("kondigde aan", ["kondig"]),
    ("aankondigen", ["aankondig", "kondig"]),
])
def test_compounds_and_particle_verbs(text: str, tokens: list[str]) -> None:
    assert analyze(text) == tokens


def test_compound_parts_share_the_position_and_span() -> None:
    tokens = explain("De veiligheidsminister")
    assert {(t.position, t.start, t.end) for t in tokens} == {(1, 3, 22)}
    assert analyze("veiligheidsminister", compounds=False) == ["veiligheidsminister"]


@pytest.mark.parametrize("window", [1, 8, 4096])
def test_sorted_table_finds_what_a_dict_finds(window: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the windows of its sparse index: a line each, a few, or all of them."""
    from hypothesis import given
    from hypothesis import strategies as st

    from searchd.analysis import lexicon
    from searchd.analysis.lexicon import SortedTable

    monkeypatch.setattr(lexicon, "WINDOW", window)

    keys = st.text(st.characters(blacklist_characters="\t\n"), max_size=6)  # surrogates too

    @given(st.dictionaries(keys.filter(bool), keys, max_size=30), st.lists(keys, max_size=10))
    def check(pairs: dict[str, str], probes: list[str]) -> None:
        lines = "\n".join(f"{k}\t{v}" for k, v in sorted(pairs.items()))  # code point order
        table = SortedTable(lines.encode("utf-8", "surrogatepass"))
        for key in [*pairs, *probes, *pairs]:  # (a second look-up is remembered)
            assert table.get(key) == pairs.get(key)
            assert (key in table) == (key in pairs)

    check()


@pytest.mark.parametrize("window", [1, 4096])
def test_a_sorted_table_line_may_have_no_value(window: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from searchd.analysis import lexicon

    monkeypatch.setattr(lexicon, "WINDOW", window)
    table = lexicon.SortedTable(b"a\nb\t2\nc")
    assert [table.get(k) for k in ("a", "b", "c", "", "d", "ab")] == ["", "2", "", None, None,
                                                                      None]


def test_a_sorted_table_remembers_a_bounded_number_of_look_ups(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from searchd.analysis import lexicon

    monkeypatch.setattr(lexicon, "MAX_REMEMBERED", 3)
    table = lexicon.SortedTable(b"a\t1\nb\t2\nc\t3\nd\t4")
    assert [table.get(k) for k in "abcdxa"] == ["1", "2", "3", "4", None, "1"]
    assert len(table._found) <= 3


def test_the_compact_lexicon_finds_every_key_of_the_expanded_one() -> None:
    from searchd.analysis.lexicon import _load

    compact, expanded = _load(), _load()
    expanded.expand()
    for name in ("words", "forms", "other"):
        table, pairs = getattr(compact, name), getattr(expanded, name)
        keys = list(pairs)[::3]
        assert [table.get(k) for k in keys] == [pairs[k] for k in keys]
        misses = [k + "q" for k in keys[::50]] + [k[:-1] for k in keys[::50]]
        assert [table.get(k) for k in misses] == [pairs.get(k) for k in misses]


def test_the_compact_and_the_expanded_lexicon_agree() -> None:
    from searchd.analysis.lexicon import _load

    compact, expanded = _load(), _load()
    expanded.expand()
    for word in ["aanslagen", "minister", "bomen", "wet", "zwolle", "xyzzy", "ogen"]:
        assert compact.lemma(word) == expanded.lemma(word)
        assert compact.zipf(word) == expanded.zipf(word)
        assert compact.pos(word) == expanded.pos(word)


def test_compound_parts_are_the_same_with_the_compact_and_the_expanded_lexicon() -> None:
    from searchd.analysis import compounds
    from searchd.analysis.lexicon import _load

    compact, expanded = _load(), _load()
    expanded.expand()
    assert compounds._part_test(expanded) == compounds._part_set(expanded).__contains__
    words = list(expanded.words)
    sample = words[::7] + [w for w in words if len(w) == 3] + sorted(compounds.NOT_PARTS)
    sample += ["minister", "ambtenaren", "xyzzy", "boe", "ab"]
    assert [compounds._is_part(w, compact) for w in sample] == \
        [compounds._part_test(expanded)(w) for w in sample]
    assert any(compounds._part_test(expanded)(w) for w in sample)
    assert not all(compounds._part_test(expanded)(w) for w in sample)


def test_the_unpacked_lexicon_is_used_only_when_it_matches(monkeypatch, tmp_path) -> None:
    from searchd.analysis import lexicon as lex

    data = tmp_path / "data"
    data.mkdir()
    packed = Path(lex.__file__).with_name("data") / lex._DATA
    (data / lex._DATA).write_bytes(packed.read_bytes())
    monkeypatch.setattr(lex.resources, "files", lambda package: tmp_path)
    from_packed = lex._load()
    (data / lex._PLAIN).write_bytes(b"cut short")
    assert lex._load().words.block == from_packed.words.block  # a bad copy is ignored
    assert lex.unpack() == data / lex._PLAIN
    plain = (data / lex._PLAIN).read_bytes()
    assert len(plain) == lex._unpacked_size(packed.read_bytes())
    assert lex._load().forms.block == from_packed.forms.block
