"""Seed files -> Documents, including the bad ones."""

from pathlib import Path

import pytest

from searchd.documents import list_seed_files, parse_seed, read_seed
from searchd.errors import SeedError


def test_header_body_and_id() -> None:
    loaded = parse_seed(b" date 2017-11 Een titel\n\nEerste alinea.\n\nTweede.", "a/b.txt")
    doc = loaded.document
    assert (doc.id, doc.month, doc.title) == ("a/b.txt", "2017-11", "Een titel")
    assert doc.body == "Eerste alinea.\n\nTweede."
    assert loaded.warnings == []


def test_missing_date_and_missing_title() -> None:
    assert parse_seed(b" date  Alleen titel\n\nTekst", "x").document.month is None
    assert parse_seed(b" date  Alleen titel\n\nTekst", "x").document.title == "Alleen titel"
    doc = parse_seed(b" date 2020-02\n\nTekst", "x").document
    assert (doc.month, doc.title) == ("2020-02", "")


def test_bom_and_crlf() -> None:
    doc = parse_seed(" date 2017-01 Tïtel\r\n\r\nRegel één\r\n".encode("utf-8-sig"), "x").document
    assert doc.title == "Tïtel" and doc.body == "Regel één"


def test_cp1252_fallback_warns() -> None:
    loaded = parse_seed(" date 2017-01 Caf\xe9\n\nR\xe9sum\xe9".encode("cp1252"), "x")
    assert loaded.document.title == "Café"
    assert any("cp1252" in w for w in loaded.warnings)


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"), (b"  \n\n ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
])
def test_unusable_files_raise(data: bytes, reason: str) -> None:
    with pytest.raises(SeedError, match=reason):
        parse_seed(data, "x")


@pytest.mark.parametrize("header", [" date 2017-13 T", " date yesterday T"])
def test_bad_dates_warn_and_keep_the_document(header: str) -> None:
    loaded = parse_seed(f"{header}\n\nTekst".encode(), "x")
    assert loaded.document.month is None and loaded.document.title == "T"
    assert loaded.warnings


def test_file_without_header_is_all_body() -> None:
    loaded = parse_seed(b"Gewoon tekst\nzonder kop", "x")
    assert loaded.document.body == "Gewoon tekst\nzonder kop" and loaded.warnings


def test_listing_recurses_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ["a.txt", "sub/b.txt", ".c.txt", "d.md", "e.json", "F.TXT"]:
        (tmp_path / name).write_text(" date  x\n\ny")
    found = [p.relative_to(tmp_path).as_posix() for p in list_seed_files(tmp_path)]
    assert sorted(found) == ["F.TXT", "a.txt", "d.md", "sub/b.txt"]  # (not e.json)


def test_read_seed_names_the_id(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text(" date 2001-01 T\n\nB")
    assert read_seed(tmp_path / "sub" / "a.txt", tmp_path).document.id == "sub/a.txt"


def test_binary_detection_counts_control_bytes() -> None:
    """More than 5% control bytes (tab, newlines and form feed are text) is binary."""
    from hypothesis import given
    from hypothesis import strategies as st

    from searchd.documents import _looks_binary

    @given(st.binary(max_size=300))
    def check(head: bytes) -> None:
        controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
        assert _looks_binary(head) == (bool(head) and controls / len(head) > 0.05)

    check()
    assert not _looks_binary(b"tekst\n\t\f\r" * 10) and _looks_binary(b"a\x01" * 10)


def test_a_huge_title_is_cut_and_the_rest_starts_the_body() -> None:
    """A 5 MB header line was the title of every result it appeared in (100 MB answers)."""
    from searchd.documents import MAX_TITLE_CHARS

    words = " ".join(f"woord{n}" for n in range(200_000))
    loaded = parse_seed(f" date 2020-01 {words}\n\nDe tekst zelf.\n".encode(), "x.txt")
    doc = loaded.document
    assert len(doc.title) <= MAX_TITLE_CHARS and doc.title.startswith("woord0 woord1")
    assert words.startswith(doc.title) and doc.body.endswith("De tekst zelf.")
    assert "woord199999" in doc.body and doc.month == "2020-01"
    assert any("title" in w for w in loaded.warnings)


def test_a_text_of_too_many_different_words_is_indexed_up_to_the_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """31 MB with 30% made-up words took 156 s and 1.45 GB to index: each new word costs
    memory and time. Past MAX_DISTINCT_WORDS different words the text is cut, with a
    warning that says where; a text of few words repeated is not."""
    import searchd.documents as documents
    from searchd.analysis.tokenizer import vocabulary_end

    monkeypatch.setattr(documents, "MAX_DISTINCT_WORDS", 100)
    made_up = " ".join(f"woord{n}" for n in range(300))
    loaded = parse_seed(f" date 2020-01 T\n\n{made_up}\n".encode(), "x.txt")
    assert loaded.document.body == " ".join(f"woord{n}" for n in range(100))
    assert any("more than 100 different words" in w for w in loaded.warnings)
    repeated = " ".join(f"woord{n % 100}" for n in range(3000))
    assert parse_seed(f" date 2020-01 T\n\n{repeated}\n".encode(), "y.txt").warnings == []
    assert vocabulary_end(made_up, 100, piece=64) == made_up.index("woord100")
    # the parts of hyphenated words count (31 MB of 8-part chains never finished indexing)
    chains = " ".join("-".join(f"d{n}x{k}" for k in range(8)) for n in range(40))
    assert vocabulary_end(chains, 100) == chains.index("d11x0")
