"""The Dutch analyzer, asserted as exact token lists."""

import pytest

from searchd.analysis import analyze, explain
from searchd.analysis.filters import fold


@pytest.mark.parametrize("text, tokens", [
    ("De strijders", ["strijder"]),
    ("auto's en menu's", ["auto", "menu"]),
    ("'s-Hertogenbosch", ["hertogenbosch"]),
    ("'s avonds", ["avond"]),
    ("IS-strijders", ["isstrijder", "is", "strijder"]),
    ("e-mail", ["email", "e", "mail"]),
    ("Één categorieën", ["categorieen"]),
    ("geëvalueerd", ["geevalueerd"]),
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
        ("buitenland", 0), ("isstrijder", 1), ("is", 1), ("strijder", 2)]
    assert [text[t.start:t.end] for t in tokens] == [
        "Buitenlandse", "IS-strijders", "IS", "strijders"]


def test_kraaij_pohlmann_is_available() -> None:
    assert analyze("gelopen lopen", stemmer="dutch") == ["loop", "loop"]
