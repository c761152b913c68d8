"""Snippet cutting and HTML rendering."""

from searchd.analysis import dutch_analyzer
from searchd.snippets import (
    highlight_html,
    match_spans,
    merge_spans,
    segments_html,
    snippet_segments,
)


def test_merge_overlapping_spans() -> None:
    assert merge_spans([(5, 9), (0, 12), (20, 22)]) == [(0, 12), (20, 22)]


def test_matches_found_through_analysis() -> None:
    text = "De IS-strijders en een strijder."
    spans = match_spans(text, {"strijder"}, dutch_analyzer())
    assert [text[a:b] for a, b in spans] == ["strijders", "strijder"]


def test_html_is_escaped_and_marked() -> None:
    text = "<b>kat</b> & hond"
    spans = match_spans(text, {"kat"}, dutch_analyzer())
    out = segments_html(snippet_segments(text, spans))
    assert out == "&lt;b&gt;<mark>kat</mark>&lt;/b&gt; &amp; hond"


def test_snippet_is_bounded_and_centred_on_matches() -> None:
    text = "woord " * 400 + "olifant " + "woord " * 400
    spans = match_spans(text, {"olifant"}, dutch_analyzer())
    out = segments_html(snippet_segments(text, spans, width=100))
    assert "<mark>olifant</mark>" in out and len(out) < 200 and out.startswith("…")


def test_no_match_gives_the_start() -> None:
    assert segments_html(snippet_segments("Een korte tekst.", [])) == "Een korte tekst."


def test_whole_text_highlight_keeps_paragraphs() -> None:
    text = "Kat.\n\nNog een kat."
    html = highlight_html(text, match_spans(text, {"kat"}, dutch_analyzer()))
    assert html == '<mark id="m1">Kat</mark>.\n\nNog een <mark>kat</mark>.'
