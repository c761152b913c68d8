"""The query language: parsing, synonyms, negation, and the terms a query asks for."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import qparser
from whoosh import query as wq
from whoosh.searching import Searcher

from ..documents import read_regular
from ..errors import ConfigError, QueryError, SeedError
from ..schema import BODY, LEAD, SEARCH_FIELDS, TITLE
from ..storage import repair_parser, use_gapped_phrases
from .bounds import MAX_QUERY_CHARS, syntax_notice, term_text
from .syntax import FIELD_ALIASES, FIELD_PREFIX, MINUS, OPERATORS, PLUS

MAX_SYNONYMS_BYTES = 4 * 1024 * 1024

_QUOTED = re.compile(r'"[^"]*"?')
_PLAIN = re.compile(r"\s*[^\W_]+(?:\s+[^\W_]+)*\s*")


@dataclass(frozen=True)
class Synonyms:
    """Groups of equivalent words or phrases ("IS, Islamitische Staat"), used at query time."""

    groups: list[list[str]] = field(default_factory=list)

    def expand(self, text: str) -> str:
        """Rewrite each member found outside quotes as (member OR "other member" ...)."""
        if not self.groups:
            return text
        pieces = _QUOTED.split(text)
        quoted = _QUOTED.findall(text)
        out = [self._expand_plain(p) for p in pieces]
        return "".join(p + (quoted[i] if i < len(quoted) else "") for i, p in enumerate(out))

    def _expand_plain(self, text: str) -> str:
        """Expand members in unquoted text (each group once, longest member first)."""
        for group in self.groups:
            for member in sorted(group, key=len, reverse=True):
                pattern = _member_pattern(member)
                if pattern.search(text):
                    alternatives = " OR ".join(f'"{m}"' if " " in m else m for m in group)
                    text = pattern.sub(_literally(f"({alternatives})"), text, count=1)
                    break
        return text


def _literally(replacement: str) -> Callable[[re.Match[str]], str]:
    """A re.sub replacement that inserts replacement as it is (no backslash escapes)."""
    return lambda _: replacement


def _member_pattern(member: str) -> re.Pattern[str]:
    """A whole-word pattern for a member; all-capital members (IS) match case-sensitively."""
    words = r"\s+".join(re.escape(w) for w in member.split())
    flags = 0 if member.isupper() else re.IGNORECASE
    return re.compile(rf"(?<![\w\-'\"(]){words}(?![\w\-'])", flags)


def load_synonyms(path: Path | None) -> Synonyms:
    """Read a synonyms file: one group a line, members separated by commas, # comments."""
    if path is None:
        return Synonyms()
    try:  # a regular file of a bounded size: /dev/zero or a FIFO must not hang a search
        lines = read_regular(path, MAX_SYNONYMS_BYTES).decode("utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read synonyms file {path}: {exc.strerror or exc}") from exc
    except (SeedError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read synonyms file {path}: {exc}") from exc
    groups = []
    for line in lines:
        members = [m.strip() for m in line.split("#", 1)[0].split(",") if m.strip()]
        if len(members) >= 2:
            groups.append(members)
    return Synonyms(groups)


def check_query(text: str) -> str:
    """Strip the query; QueryError when it is too long."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is too long ({len(text)} characters; "
                         f"at most {MAX_QUERY_CHARS})", "query_too_long", got=len(text),
                         most=MAX_QUERY_CHARS)
    return text


def build_parser(schema: Any, title_boost: float, lead_boost: float) -> qparser.QueryParser:
    """Words (OR; more matches rank higher), "phrases", AND/OR/NOT (EN/OF/NIET), +word/-word,
    title:/body: (titel:/tekst:), word* prefixes."""
    boosts = {TITLE: title_boost, BODY: 1.0, LEAD: lead_boost}
    parser = _Parser(None, schema, group=qparser.OrGroup.factory(0.9))
    parser.add_plugin(qparser.MultifieldPlugin([f for f in SEARCH_FIELDS if boosts[f] > 0],
                                               fieldboosts=boosts))
    parser.remove_plugin_class(qparser.SingleQuotePlugin)  # apostrophes are Dutch text
    # no ranges ([a TO z]) and no `*:*`: a query of every document or every word costs
    # seconds and finds nothing a reader wants
    parser.remove_plugin_class(qparser.RangePlugin)
    parser.remove_plugin_class(qparser.EveryPlugin)
    parser.remove_plugin_class(qparser.FieldsPlugin)
    parser.add_plugin(qparser.FieldsPlugin(expr=FIELD_PREFIX))
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))  # titel:, tekst:
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=PLUS, minusexpr=MINUS))
    # the operators in Dutch too, in capitals (rare so in Dutch text: OF 0, NIET 0 and EN 6
    # times in 8,000 Chamber questions)
    parser.replace_plugin(qparser.OperatorsPlugin(
        And=r"(?<=\s)(?:AND|EN)(?=\s)", Or=r"(?<=\s)(?:OR|OF)(?=\s)",
        Not=r"(^|(?<=(\s|[()])))(?:NOT|NIET)(?=\s)"))
    use_gapped_phrases(parser)  # "minister van Justitie": the gap of `van` kept
    return parser


STAND_IN = "\ue000"  # (private use) + a number: a word the planner plans (mixed.py)
_STAND_IN = re.compile(f"{STAND_IN}(\\d+)")


class StandIn(wq.Term):
    """The place of a word in parsed query syntax, one per field the word is searched in:
    the word itself is planned as free text's words are (mixed.py)."""

    @property
    def number(self) -> int:
        """Which word of the query (its number in the stand-ins' order)."""
        return int(self.text[len(STAND_IN):])


class _Parser(qparser.QueryParser):
    """Whoosh's parser, with stand-ins for words taken as they are (not analysed)."""

    def term_query(self, fieldname: str, text: str, termclass: Any, boost: float = 1.0,
                   tokenize: bool = True, removestops: bool = True) -> wq.Query:
        if _STAND_IN.fullmatch(text):
            return StandIn(fieldname, text, boost=boost)
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


def parse_query(parser: qparser.QueryParser, text: str,
                synonyms: Synonyms | None = None) -> tuple[wq.Query, list[str]]:
    """Parse text (synonyms expanded); on a syntax error, or past the bounds of
    bounds.syntax_notice, fall back to its plain words. Returns the query and the notices
    of any fallback."""
    expanded = synonyms.expand(text) if synonyms else text
    if _is_plain(expanded):
        return plain_words(parser, expanded), []
    notice = syntax_notice(expanded)
    if notice is None:
        try:
            return lift_negations(parser.parse(expanded)), []
        except Exception:  # Whoosh raises assorted errors on odd syntax; never let one escape
            pass
    # Plain words only: no punctuation, and lowercase, so AND/OR/NOT are words too.
    plain = re.sub(r"[^\w\s]", " ", text).lower()
    notices = [notice] if notice else []
    return (plain_words(parser, plain) if plain.strip() else wq.NullQuery), notices


def _is_plain(text: str) -> bool:
    """True for words of letters and digits only, none of them an operator."""
    return bool(_PLAIN.fullmatch(text)) and not OPERATORS.intersection(text.split())


def plain_words(parser: qparser.QueryParser, text: str) -> wq.Query:
    """The query Whoosh's parser makes of plain words (each word in every field, OR-ed),
    built without its tokenizing and tagging passes (most of its time)."""
    fields = next(p for p in parser.plugins if isinstance(p, qparser.MultifieldPlugin))
    clauses = []
    for word in text.split():
        for name in fields.fieldnames:
            clause = parser.term_query(name, word, wq.Term,
                                       boost=fields.boosts.get(name, 1.0))
            if clause is not None:
                clauses.append(clause)
    return wq.Or(clauses).normalize() if clauses else wq.NullQuery


def lift_negations(q: wq.Query) -> wq.Query:
    """Read `a b NOT c` as (a OR b) AND NOT c, not as a OR b OR (anything but c); a group
    of one (`a (NOT c)`) is its content."""
    q = q.apply(lift_negations) if not q.is_leaf() else q
    if type(q) in (wq.Or, wq.And) and len(q.subqueries) == 1:
        only = q.subqueries[0]
        return only if q.boost == 1 else only.with_boost(only.boost * q.boost)
    if not isinstance(q, wq.Or):
        return q
    nots = [sub.query for sub in q.subqueries if isinstance(sub, wq.Not)]
    kept = [sub for sub in q.subqueries if not isinstance(sub, wq.Not)]
    if not nots or not kept:
        return q
    base = wq.Or(kept, boost=q.boost, scale=q.scale) if len(kept) > 1 else kept[0]
    return wq.AndNot(base, wq.Or(nots) if len(nots) > 1 else nots[0])


def query_terms(q: wq.Query, searcher: Searcher) -> set[str]:
    """The index terms a query asks for (prefixes and wildcards expanded), for highlighting."""
    reader = searcher.reader()
    terms: set[str] = set()
    for leaf in q.leaves():
        if isinstance(leaf, wq.Not) or leaf.field() not in SEARCH_FIELDS:
            continue
        terms.update(term_text(t) for f, t in leaf.expanded_terms(reader, phrases=True))
    return terms


repair_parser()  # Whoosh's BinaryGroup built each child twice (storage/qparser.py)
