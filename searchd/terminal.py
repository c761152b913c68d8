"""A search result as terminal text: hits with their snippets (matches in bold), the words
each lacks, its near-duplicates and, when asked, why it scored as it did."""

from __future__ import annotations

import html
import re

import click

from .explain import explain_lines
from .formats import LABELS
from .logs import printable
from .results import Hit, SearchResult

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_SHOWN_DUPLICATES = 3  # near-duplicates of a hit named on a terminal


def print_result(result: SearchResult) -> None:
    """Print hits for a terminal: title, id, date, score, snippet with matches in bold."""
    click.echo(f"{result.total} results for {printable(repr(result.query))} "
               f"(page {result.page} of {result.pages}, {result.took_ms:.1f} ms)")
    first = (result.page - 1) * result.limit
    for rank, hit in enumerate(result.hits, first + 1):
        _print_hit(rank, hit)
    years = result.facets.get("year")
    if years:
        click.echo("\nby year: " + ", ".join(f"{y} ({n})" for y, n in years.items()))


def _print_hit(rank: int, hit: Hit) -> None:
    """One hit, indented under its rank and title."""
    click.echo()
    click.secho(f"{rank}. {printable(hit.title or hit.id)}", bold=True)
    kind = "" if hit.format == "txt" else f"  {LABELS.get(hit.format, hit.format)}"
    by = f"  {printable(hit.author)}" if hit.author else ""
    click.echo(f"   {printable(hit.id)}  {hit.month or 'no date'}{kind}{by}  "
               f"score {hit.score:.3f}")
    click.echo("   " + terminal_snippet(hit.snippet))
    if hit.missing:
        click.echo(printable(f"   missing: {', '.join(hit.missing)}"))
    if hit.duplicate_count:
        named = ", ".join(d.id for d in hit.duplicates[:_SHOWN_DUPLICATES])
        more = hit.duplicate_count - min(len(hit.duplicates), _SHOWN_DUPLICATES)
        click.echo(printable(f"   {hit.duplicate_count} similar: {named}"
                             + (f" and {more} more" if more > 0 else "")))
    if hit.explain is not None:
        for line in explain_lines(hit.explain, "   "):
            click.echo(printable(line))


def terminal_snippet(snippet_html: str) -> str:
    """The HTML snippet as terminal text, matches in bold (anything that could act on the
    terminal escaped)."""
    pieces, last = [], 0
    for mark in _MARK.finditer(snippet_html):
        pieces.append(printable(html.unescape(snippet_html[last:mark.start()])))
        pieces.append(click.style(printable(html.unescape(mark[1])), bold=True))
        last = mark.end()
    pieces.append(printable(html.unescape(snippet_html[last:])))
    return "".join(pieces)
