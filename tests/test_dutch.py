"""Dutch behaviours, end to end: a query, a document, and whether it must match.

Each row is searched in a real index of all the rows' documents; the table is the evidence for
the analyzer's choices (see issue "Get Dutch right").
"""

from __future__ import annotations

import pytest

from searchd.search import Engine

from .conftest import module_index

CASES: list[tuple[str, str, str, bool]] = [
    # kind, query, document text, must match
    ("plural", "probleem", "de problemen", True),
    ("plural", "stad", "de steden", True),
    ("plural", "menu", "menu's", True),
    ("plural", "kind", "de kinderen", True),
    ("plural", "boom", "de bomen", True),
    ("plural", "schip", "de schepen", True),
    ("plural", "huis", "de huizen", True),
    ("plural", "brief", "de brieven", True),
    ("plural", "ei", "de eieren", True),
    ("plural", "minister", "de ministers", True),
    ("plural", "aanslag", "de aanslagen", True),
    ("plural", "mogelijkheid", "nieuwe mogelijkheden", True),
    ("plural", "foto", "foto's", True),
    ("diminutive", "tafel", "een tafeltje", True),
    ("diminutive", "vogel", "een vogeltje", True),
    ("diminutive", "boom", "een boompje", True),
    ("diminutive", "huis", "een huisje", True),
    ("diminutive", "bloem", "een bloemetje", True),
    ("verb", "schrijven", "geschreven", True),
    ("verb", "schrijven", "hij schreef", True),
    ("verb", "aankondigen", "kondigde de minister aan", True),
    ("verb", "lopen", "hij liep", True),
    ("verb", "lopen", "gelopen", True),
    ("verb", "gaan", "zij ging", True),
    ("verb", "nemen", "hij nam", True),
    ("verb", "fietsen", "hij fietste", True),
    ("verb", "werken", "zij werkt", True),
    ("verb", "evalueren", "geëvalueerd", True),
    ("adjective", "Frans", "Franse", True),
    ("adjective", "klein", "kleine", True),
    ("adjective", "groot", "grote", True),
    ("adjective", "rood", "rode", True),
    ("compound part", "school", "de basisschool", True),
    ("compound part", "beleid", "het veiligheidsbeleid", True),
    ("compound part", "minister", "de veiligheidsminister", True),
    ("compound part", "groep", "de terreurgroep", True),
    ("compound part", "markt", "de arbeidsmarkt", True),
    ("compound part", "pensioen", "ambtenarenpensioenen", True),
    ("compound whole", "ziekenhuisbed", "een bed in het ziekenhuis", True),
    ("compound whole", "terreurgroep", "een groep die terreur zaait", True),
    ("compound whole", "boekenkast", "een kast vol boeken", True),
    ("diacritics", "reeel", "reëel", True),
    ("diacritics", "cooperatie", "coöperatie", True),
    ("diacritics", "categorieen", "categorieën", True),
    ("diacritics", "geevalueerd", "geëvalueerd", True),
    ("adjective", "gezond", "gezonde voeding", True),  # not read as zonnen's participle
    ("adjective", "zonnen", "gezond eten", False),
    ("derivation", "aflossing", "de lening aflossen", True),
    ("derivation", "veiligheid", "een veilig land", True),
    ("diacritics", "een", "één", False),  # a stop word: matches nothing
    ("apostrophe/hyphen", "menu", "menu's", True),
    ("apostrophe/hyphen", "agenten", "politie-agenten", True),
    ("apostrophe/hyphen", "strijders", "IS-strijders", True),
    ("apostrophe/hyphen", "email", "e-mail", True),
    ("apostrophe/hyphen", "e-mail", "email", True),
    ("apostrophe/hyphen", "Hertogenbosch", "'s-Hertogenbosch", True),
    ("number", "5600", "5.600", True),
    ("number", "5.600", "5600", True),
    ("precision", "bal", "de balans", False),
    ("precision", "maand", "op maandag", False),
    ("precision", "vis", "een visie", False),
    ("precision", "pen", "het pensioen", False),
    ("precision", "kant", "het kantoor", False),
    ("precision", "slag", "de aanslag", False),
    ("precision", "bom", "de bomen", False),
    ("precision", "boom", "de bom", False),
    ("precision", "wet", "weten", False),
    ("precision", "mini", "de minister", False),
    ("precision", "school", "schuilen", False),
    ("precision", "oor", "kantoren", False),
    ("precision", "huis", "het ziekenhuis", False),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """One index holding every row's document (the row number is its id)."""
    docs = {f"{number:03d}.txt": f" date  \n\n{text}\n"
            for number, (_, _, text, _) in enumerate(CASES)}
    return Engine(module_index(tmp_path_factory, "dutch", docs))


@pytest.mark.parametrize("number", range(len(CASES)),
                         ids=[f"{k}: {q} / {d}" for k, q, d, _ in CASES])
def test_behaviour(engine: Engine, number: int) -> None:
    kind, query, _, must_match = CASES[number]
    # (two rows may hold the same text: as near-duplicates they would be one hit)
    hits = engine.search(query, limit=100, collapse=False).hits
    found = f"{number:03d}.txt" in {h.id for h in hits}
    assert found == must_match
