"""Spelling: word tables, near spellings, "Bedoelde u", completions and typos of compounds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from searchd.config import Config
from searchd.search import Engine
from searchd.suggest import (
    WordTable,
    better_spelling,
    complete,
    compound_near,
    doc_count,
    lexicon_near,
    max_edits,
    near_words,
    suggest,
    typo_edits,
    word_tables,
)
from searchd.sync import sync_index

COUNTS = {"strijders": 40, "strijder": 10, "stad": 50, "staat": 30, "strjiders": 1,
          "begroting": 20, "minister": 60, "ministers": 5, "zstad": 1}


def table(counts: dict[str, int]) -> WordTable:
    """A WordTable as a segment's words field gives it: in the index's term order."""
    return WordTable.of((w.encode("utf-8"), counts[w])
                        for w in sorted(counts, key=lambda w: w.encode("utf-8")))


TABLES = [table(COUNTS), table({"stad": 5, "strijders": 2})]  # two segments


def test_counts_add_up_over_segments() -> None:
    assert doc_count(TABLES, "stad") == 55 and doc_count(TABLES, "strijders") == 42
    assert doc_count(TABLES, "olifant") == 0


def test_near_words_count_a_swap_as_one_edit_and_the_first_letter_as_two() -> None:
    assert near_words(TABLES, "strjiders", 1) == {"strijders": 42}  # a swap: one edit
    assert near_words(TABLES, "ztrijders", 1) == {}  # the first letter: two edits
    assert near_words(TABLES, "ztrijders", 2) == {"strijders": 42}
    assert near_words(TABLES, "stad", 0) == {}


def test_the_edits_allowed_grow_with_the_word() -> None:
    assert [typo_edits(n) for n in (3, 4, 5, 8, 9, 20)] == [0, 0, 1, 1, 2, 2]
    assert [max_edits(n) for n in (3, 8, 9)] == [1, 1, 2]


def test_a_rare_word_gets_a_much_more_frequent_spelling() -> None:
    assert better_spelling(TABLES, "strjiders") == "strijders"
    assert better_spelling(TABLES, "Strjiders") == "Strijders"  # as the user wrote it
    assert better_spelling(TABLES, "strijder") is None  # frequent enough: a word of its own
    assert better_spelling(TABLES, "AND") is None  # an operator
    assert suggest(TABLES, "de strjiders in de stad") == "de strijders in de stad"
    assert suggest(TABLES, "de strijders in de stad") is None


def test_completions_are_the_most_frequent_words_over_all_segments() -> None:
    assert complete(TABLES, "de st", 2) == ["stad", "strijders"]
    assert complete(TABLES, "MINIS", 5) == ["minister", "ministers"]  # folded
    assert complete(TABLES, "de stad ") == []  # no word being typed


def test_lexicon_spellings_for_words_no_document_has() -> None:
    assert lexicon_near("ministre", 1)[0] == "minister"
    assert lexicon_near("mi", 1) == []  # too short to guess


def test_a_typo_in_one_part_of_a_compound() -> None:
    assert compound_near("gemeentebegrotnig", 1) == ["gemeentebegroting"]
    assert compound_near("verkeersveilgiheid", 1) == ["verkeersveiligheid"]
    assert compound_near("zeppelinwerf", 1) == []  # spelled right: all parts known


def test_word_tables_are_read_once_per_segment(built: Config, seeds) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(built)
    engine.complete("st")
    first = word_tables(engine.view().searcher.reader())
    (seeds / "zon.txt").write_text(" date 2018-05 Zon\n\nZonnepanelen op elk dak.")
    sync_index(built)
    engine.complete("st")
    second = word_tables(engine.view().searcher.reader())
    assert len(second) == len(first) + 1  # a new segment
    assert all(any(a is b for b in second) for a in first)  # the old one is not read again


_WORDS = st.dictionaries(st.text("abcdeéëzß", min_size=1, max_size=6),
                         st.integers(1, 5), max_size=40)


@given(_WORDS, st.text("abeéz", max_size=3), st.integers(1, 6))
def test_word_table_answers_as_a_sorted_list_would(counts: dict[str, int], prefix: str,
                                                   limit: int) -> None:
    words = sorted(counts, key=lambda w: w.encode("utf-8"))  # the index's term order
    found = table(counts)
    assert len(found) == len(words) and [found.word(i) for i in range(len(found))] == words
    for word in [*words, prefix, "zzz"]:
        assert found.count(word) == counts.get(word, 0)
    span = found.prefixed(prefix)
    assert found.words(span) == [w for w in words if w.startswith(prefix)]
    best = found.most_frequent(span, limit)
    expected = sorted(found.words(span), key=lambda w: -counts[w])[:limit]  # stable
    assert sorted(best) == sorted(expected)


def test_a_query_of_known_words_reads_no_word_table(built: Config) -> None:
    """The word tables (a second to read on 219,000 documents) are read for a word that
    may be misspelled, not for words the lexicon knows or the index holds often."""
    engine = Engine(built)
    engine.search("fietsen in de stad")
    tables = engine.view().planning.planner.tables
    assert not tables.loaded
    assert [h.id for h in engine.search("strjiders").hits] == ["kat.txt"]  # a typo
    assert tables.loaded


def test_bedoelde_u_proposes_only_words_the_index_holds(built: Config) -> None:
    """A near spelling from the lexicon that no document holds may still be searched (its
    parts may be in documents) but is never proposed: "aslyzoekers" led to "Bedoelde u:
    aszoekers", a page of nothing, and the next suggestion "asekers"."""
    engine = Engine(built)
    for typed in ("zeppelinn", "aslyzoekers", "snapvoltrix"):
        result = engine.search(typed)
        assert result.suggestion is None, (typed, result.suggestion)
    assert engine.search("strijdrs").suggestion == "strijders"
