"""How a query is written: whether a text is free text (words, as people type them) or uses
query syntax (quotes, operators, patterns, fields, +/-), and its words excluded with a
leading minus. Read by the planner (plan.py) and the parser (query.py) alike."""

from __future__ import annotations

import re

__all__ = ["FIELD_ALIASES", "FIELD_PREFIX", "MINUS", "OPERATORS", "PLUS", "exclusions",
           "is_free_text"]

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


def is_free_text(text: str) -> bool:
    """True for text without query syntax (quotes, operators, patterns, fields, +/-):
    words and punctuation, as people type them or as a title reads ("Hoeveel
    asielzoekers?", "De FPIM (Federale Participatiemaatschappij)")."""
    return not _SYNTAX.search(text) and not OPERATORS.intersection(_operator_places(text))


def _operator_places(text: str) -> list[str]:
    """The words of text that stand where an operator could: between two words, or (NOT,
    NIET) before one. A lone operator at either end ("minister EN") is only a word."""
    words = text.split()
    return [w for i, w in enumerate(words)
            if 0 < i < len(words) - 1 or (i == 0 < len(words) - 1 and w in _UNARY)]


_UNARY = {"NOT", "NIET"}


_EXCLUDED = re.compile(f"(?:{MINUS}|(?<![^\\s(])(?:NOT|NIET)\\s+)"
                       + r"([^\W_][\w'’-]*)(?![\w'’:-])")


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


