"""A search result as terminal text: hits with their snippets (matches in bold), the words
each lacks, its near-duplicates and, when asked, why it scored as it did."""

from __future__ import annotations

import html
import re
import sys
import time
from collections.abc import Callable
from typing import Any

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


class progress_bar:
    """A click progress bar on a terminal, nothing otherwise."""

    def __enter__(self) -> Callable[[int, int], None] | None:
        self.bar: Any = None
        if not sys.stderr.isatty():
            return None
        return self.update

    def update(self, done: int, total: int) -> None:
        """Advance the bar to done of total."""
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="indexing", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def human_stats(stats: dict[str, Any]) -> dict[str, str]:
    """`searchd stats` for people: sizes in kB/MB/GB, counts with separators, the last sync
    as a local time and how long ago, settings in words."""
    shown = dict(stats)
    shown["documents"] = f"{stats.get('documents', 0):,}"
    shown["index_bytes"] = size_text(int(stats.get("index_bytes", 0)))
    shown["terms_body"] = f"{stats.get('terms_body', 0):,}"
    if "compounds" in stats:
        shown["compounds"] = "split" if stats["compounds"] else "not split"
    synced = stats.get("last_sync")
    shown["last_sync"] = "never" if not synced else (
        time.strftime("%Y-%m-%d %H:%M", time.localtime(synced)) +
        f" ({ago(time.time() - synced)})")
    shown["config"] = stats.get("config") or "none (the defaults)"
    return {"index size" if k == "index_bytes" else "words" if k == "terms_body" else
            k.replace("_", " "): str(v) for k, v in shown.items() if k != "cluster"}


def size_text(size: int) -> str:
    """1536 -> "1.5 kB", 868220928 -> "828.0 MB"."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def ago(seconds: float) -> str:
    """How long ago, in words: "just now", "5 minutes ago", "3 days ago"."""
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= length:
            n = int(seconds // length)
            return f"{n} {unit}{'s' if n > 1 else ''} ago"
    return "just now"
