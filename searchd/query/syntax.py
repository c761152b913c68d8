"""How a query is written: whether a text is free text (words, as people type them) or uses
query syntax (quotes, operators, patterns, fields, +/-), and its words excluded with a
leading minus. Read by the planner (plan.py) and the parser (query.py) alike."""

from __future__ import annotations

import re

from ..analysis.stopwords import STOP_WORDS

__all__ = ["FIELD_ALIASES", "FIELD_PREFIX", "MINUS", "OPERATORS", "PLUS", "exclusions",
           "is_free_text", "tidy", "without_exclusions"]

# "-word" excludes a word, but a hyphen inside a word ("KBC-aandeel") or alone does not, nor
# does the Dutch elision hyphen after en/of/tot ("herstelexamens en -onderzoeken").
MINUS = r"(?<![^\s(])(?<!\ben )(?<!\bof )(?<!\btot )(?<!,)-(?=[^\s-])"
PLUS = r"(?<![^\s(])\+(?=[^\s+])"
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "EN", "OF", "NIET"}
FIELD_ALIASES = {"title": ["titel"], "body": ["tekst"]}  # the Dutch names of the fields
FIELD_PREFIX = r"(?P<text>title|body|titel|tekst):"

# Query syntax, except what reads as punctuation when no operator is around: parentheses
# (grouping without operators changes nothing) and a question mark that ends a word.
_SYNTAX = re.compile(r'["*^\[\]{}~\\]|\b(?:title|body|titel|tekst):|\?(?=\w)|(?<![\w?])\?|'
                     + MINUS + "|" + PLUS)


_CURLY_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»″"})
_DASH = re.compile(r"(?<![^\s(])[–—−](?=[^\s–—−-])")  # an en dash or minus sign as "-"
_FUZZY = re.compile(r"(?<=\w)~\d*(?![\w~])")  # word~ and word~2: typos are found anyway
_FIELD = re.compile(r"\b(title|body|titel|tekst):", re.IGNORECASE)
_BARE_FIELD = re.compile(r"\b(?:title|body|titel|tekst):(?=\s|$|\))")
_END_QUESTION = re.compile(r"(?<=\w)\?+(?=[\s)]|$)")
# the stop words after NOT/NIET (NIET de apotheek: what is excluded is apotheek)
_STOP_AFTER_NOT = re.compile(
    r"(?<![^\s(])(NOT|NIET)\s+(?:(?:" + "|".join(
        sorted(map(re.escape, STOP_WORDS), key=len, reverse=True)) + r")\s+)+(?=\w)",
    re.IGNORECASE)
# an excluded word with a hyphen or apostrophe, excluded as the phrase of its parts (as the
# index holds it: COVID-19-crisis holds covid and 19, not covid19)
_EXCLUDED_JOINED = re.compile(r"(?<![^\s(])((?<!\ben )(?<!\bof )(?<!\btot )-|NOT\s+|NIET\s+)"
                              r"([^\W_]+(?:[-‐‑'’][^\W_]+)+)(?=[\s)]|$)")
_GLUED = re.compile(r"(?<![^\s(])(AND|OR|NOT|EN|OF|NIET)\(")  # NIET(apotheek)


def tidy(text: str) -> str:
    """Query text as the planner reads it: typographic quotes as ", an en dash or minus
    sign before a word as -, a field name in any case (Titel:), no field name without a
    word, no fuzzy marks (word~2: near spellings are searched anyway), a question mark
    that ends a word as punctuation, and a quote without its pair left out."""
    text = _DASH.sub("-", text.translate(_CURLY_QUOTES))
    text = _FIELD.sub(lambda m: m.group(1).lower() + ":", _FUZZY.sub("", text))
    text = _END_QUESTION.sub("", _BARE_FIELD.sub(" ", text))
    text = _STOP_AFTER_NOT.sub(r"\1 ", _GLUED.sub(r"\1 (", text))
    if '"' not in text:
        text = _EXCLUDED_JOINED.sub(r'\1"\2"', text)
    if text.count('"') % 2:
        cut = text.rfind('"')
        text = text[:cut] + " " + text[cut + 1:]
    return text


def is_free_text(text: str) -> bool:
    """True for text without query syntax (quotes, operators, patterns, fields, +/-):
    words and punctuation, as people type them or as a title reads ("Hoeveel
    asielzoekers?", "De FPIM (Federale Participatiemaatschappij)")."""
    return not _SYNTAX.search(text) and not OPERATORS.intersection(_operator_places(text))


def _operator_places(text: str) -> list[str]:
    """The words of text that stand where an operator could: between two words, or (NOT,
    NIET) before one. A lone operator at either end ("minister EN") is only a word."""
    words = text.replace("(", " ").replace(")", " ").split()  # (NIET(apotheek))
    return [w for i, w in enumerate(words)
            if 0 < i < len(words) - 1 or (i == 0 < len(words) - 1 and w in _UNARY)]


_UNARY = {"NOT", "NIET"}


_EXCLUDED = re.compile(f"(?:{MINUS}|(?<![^\\s(])(?:NOT|NIET)\\s+)"
                       + r"([^\W_][\w'’-]*)(?![\w'’:-])")


def without_exclusions(text: str) -> str:
    """text without the words it excludes (-word, NOT word, NIET word)."""
    return _EXCLUDED.sub(" ", text)


def exclusions(text: str) -> tuple[str, list[str]] | None:
    """(the text without its -words, the words excluded) when text is free text apart from
    words excluded with a leading minus or NOT/NIET (mondmaskers -apotheek, mondmaskers
    NIET apotheek); None otherwise."""
    excluded = [m.group(1) for m in _EXCLUDED.finditer(text)]
    rest = _EXCLUDED.sub(" ", text)  # (a field, -titel:woord, stays: the parser reads it)
    if not excluded or not rest.strip() or not is_free_text(rest) or \
            OPERATORS.intersection(rest.split()):  # (stad AND NOT fietsen: the parser's)
        return None
    return rest, excluded


