"""Query-language helpers: synonym expansion, negation."""

from pathlib import Path

import pytest

from searchd.errors import ConfigError
from searchd.query import Synonyms, load_synonyms

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
