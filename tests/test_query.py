"""Query-language helpers: synonym expansion, negation, the plain-words parser."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchd.errors import ConfigError
from searchd.query.parsing import (
    Synonyms,
    _is_plain,
    build_parser,
    lift_negations,
    load_synonyms,
    plain_words,
)
from searchd.schema import build_schema

_PARSER = build_parser(build_schema("dutch", True), 2.0, 0.3)

SYN = Synonyms([["IS", "Islamitische Staat"], ["fiets", "rijwiel"]])


@pytest.mark.parametrize("text, expanded", [
    ("IS aanslagen", '(IS OR "Islamitische Staat") aanslagen'),
    ("het is laat", "het is laat"),
    ("islamitische staat", '(IS OR "Islamitische Staat")'),
    ("een Fiets", "een (fiets OR rijwiel)"),
    ('"de fiets" kopen', '"de fiets" kopen'),
    ("fietsenstalling", "fietsenstalling"),
])
def test_expansion(text: str, expanded: str) -> None:
    assert SYN.expand(text) == expanded


def test_synonyms_file(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("a, b  # comment\n\nlonely\nc,d,e\n")
    assert load_synonyms(path).groups == [["a", "b"], ["c", "d", "e"]]
    with pytest.raises(ConfigError):
        load_synonyms(tmp_path / "missing.txt")


_VOCABULARY = ["de", "het", "minister", "belastingaanslag", "Financiën", "KBC", "aandeel",
               "2017", "fietsenstalling", "and", "or", "not", "to", "TO", "Ook", "één",
               "x", "é", "5600", "aanslagen", "ministers", "ziekenhuiszorg"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=6),
       st.sampled_from([" ", "  ", "\t", " \n "]))
def test_plain_words_are_parsed_as_whoosh_parses_them(words: list[str], space: str) -> None:
    text = space.join(words)
    assert _is_plain(text)
    assert plain_words(_PARSER, text) == lift_negations(_PARSER.parse(text))


@pytest.mark.parametrize("text", ["a AND b", "NOT a", "a OR b", "x ANDNOT y", '"a b"', "a*",
                                  "title:a", "-a", "+a", "a^2", "(a)", "kbc-aandeel",
                                  "auto's", "a_b", ""])
def test_query_syntax_goes_to_whoosh_s_parser(text: str) -> None:
    assert not _is_plain(text)


def test_dutch_operators_and_field_names(built) -> None:  # type: ignore[no-untyped-def]
    """`mondmaskers EN apotheek` gave 217 hits and AND 5; `mondmaskers NOT apotheek` more
    than `mondmaskers`; `titel:` was ignored."""
    from searchd.search import Engine

    engine = Engine(built)

    def found(text: str) -> set[str]:
        return {h.id for h in engine.search(text, limit=100).hits}

    assert found("stad EN strijders") == found("stad AND strijders") == {"kat.txt"}
    assert found("stad OF begroting") == found("stad OR begroting")
    assert found("stad NIET fietsen") == found("stad NOT fietsen") == found("stad -fietsen")
    assert found("stad NIET fietsen") <= found("stad")
    assert found("titel:begroting") == found("title:begroting") == {"sub/begroting.txt"}
    # a lone operator at either end is a word (`minister EN` found 534 of 576)
    assert found("stad EN") == found("OF stad") == found("stad")
    # an excluded field is read by the parser (the letters before ":" were excluded)
    assert found("stad -titel:fietsen") <= found("stad")
    assert found("stad NIET titel:fietsen") <= found("stad")
    assert found("tekst:strijders") == {"kat.txt"}
