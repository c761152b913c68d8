"""Find the query's terms in a text and cut highlighted snippets from it.

The body's matches come from its term vector (the character spans of every term, stored at
index time), so a hit in a 3 MB document costs a look-up, not a new analysis; short texts
(titles) are analysed again.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable
from typing import Any

from whoosh.analysis import Analyzer
from whoosh.reading import IndexReader

from . import storage
from .bodytext import StoredText

# Only the start of a huge document is scanned for matches (bounds the work per hit).
MAX_SCAN_CHARS = 300_000
MAX_WINDOWS = 2_000  # candidate windows considered (one per match, from the start)
ELLIPSIS = " … "

Text = str | StoredText  # a body may be read from the index a chunk at a time
Span = tuple[int, int]
Segment = tuple[str, bool]  # (text, is_match)


def match_spans(text: str, terms: set[str], analyzer: Analyzer,
                limit: int = MAX_SCAN_CHARS) -> list[Span]:
    """Character spans of the words in text whose index term is one of terms, merged."""
    if not terms:
        return []
    spans = [(t.startchar, t.endchar)
             for t in analyzer(text[:limit], chars=True, mode="index", removestops=False)
             if t.text in terms]
    return merge_spans(spans)


def vector_spans(reader: IndexReader, docnum: int, field: str, terms: set[str],
                 first: int | None = None) -> list[Span]:
    """Character spans of terms in a document, read from the field's term vector (only
    the first `first` of each term's, when given)."""
    if not terms:
        return []
    found = storage.vector_spans(reader, docnum, field, terms, first)
    return merge_spans(span for spans in found.values() for span in spans)


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sort spans and merge the ones that overlap (a compound and its part)."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


_GAP_WORD = re.compile(r"[^\W_]+|['’‘]")
MAX_JOINED_GAP = 40  # characters between two matches that a phrase's stop words may fill


def phrase_words(q: Any) -> frozenset[str]:
    """The words (case folded) of the quoted phrases in q as typed: the stop words among
    them join the marks of the words around them (minister van Justitie, marked whole)."""
    return frozenset(word.casefold() for leaf in q.leaves()
                     for word in _GAP_WORD.findall(getattr(leaf, "surface", "") or ""))


def joined_spans(text: Text, spans: list[Span], joiners: frozenset[str]) -> list[Span]:
    """spans with two neighbours merged when only words of joiners (a phrase's stop
    words) and spaces stand between them, so a phrase is marked as one."""
    if not joiners:
        return spans
    joined: list[Span] = []
    for start, end in spans:
        if joined and 0 < start - joined[-1][1] <= MAX_JOINED_GAP:
            gap = str(text[joined[-1][1]:start])
            words = _GAP_WORD.findall(gap)
            if all(w.casefold() in joiners for w in words) and \
                    not _GAP_WORD.sub("", gap).strip():
                joined[-1] = (joined[-1][0], end)
                continue
        joined.append((start, end))
    return joined


def snippet_segments(text: Text, spans: list[Span], width: int = 220,
                     fragments: int = 2) -> list[Segment]:
    """Up to `fragments` windows of about `width` characters around the densest matches."""
    if not spans:
        return [(_cut(text, 0, width), False)]
    windows = _best_windows(spans, width, fragments)
    segments: list[Segment] = []
    for start, end in windows:
        if segments or start > 0:
            segments.append((ELLIPSIS.lstrip() if not segments else ELLIPSIS, False))
        segments.extend((_squash(t), m) for t, m in _mark(text, start, end, spans))
    if windows[-1][1] < len(text):
        segments.append((ELLIPSIS.rstrip(), False))
    return segments


def _best_windows(spans: list[Span], width: int, count: int) -> list[Span]:
    """Pick non-overlapping windows that each hold as many matches as possible."""
    ends = [end for _, end in spans]  # increasing: spans are merged and sorted
    candidates = []
    for i, (start, _) in enumerate(spans[:MAX_WINDOWS]):
        begin = max(0, start - width // 4)
        inside = bisect.bisect_right(ends, begin + width) - i
        candidates.append((inside, -begin, begin))
    chosen: list[Span] = []
    for _, _, begin in sorted(candidates, reverse=True):
        window = (begin, begin + width)
        if all(window[1] <= a or window[0] >= b for a, b in chosen):
            chosen.append(window)
        if len(chosen) == count:
            break
    return sorted(chosen)


def _mark(text: Text, start: int, end: int, spans: list[Span]) -> list[Segment]:
    """The text between start and end (moved to word boundaries), matches flagged."""
    start, end = _word_start(text, start), _word_end(text, end)
    out: list[Segment] = []
    pos = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    if pos < end:
        out.append((text[pos:end], False))
    return out


def _squash(text: str) -> str:
    """Fold runs of white space (paragraph breaks included) into single spaces."""
    squashed = " ".join(text.split())
    if text[:1].isspace():
        squashed = " " + squashed
    if text[-1:].isspace() and squashed != " ":
        squashed += " "
    return squashed


def _word_start(text: Text, pos: int) -> int:
    """Move pos back to the start of the word it falls in."""
    while 0 < pos < len(text) and not text[pos - 1].isspace():
        pos -= 1
    return pos


def _word_end(text: Text, pos: int) -> int:
    """Move pos forward to the end of the word it falls in."""
    pos = min(pos, len(text))
    while pos < len(text) and not text[pos].isspace():
        pos += 1
    return pos


def _cut(text: Text, start: int, width: int) -> str:
    """A plain excerpt of about width characters, ending at a word boundary."""
    excerpt = " ".join(text[start:_word_end(text, start + width)].split())
    return excerpt + (" …" if start + width < len(text) else "")


def segments_html(segments: Iterable[Segment]) -> str:
    """Render segments as HTML: text escaped, matches in <mark>."""
    return "".join(f"<mark>{html.escape(t)}</mark>" if m else html.escape(t)
                   for t, m in segments)


def highlight_html(text: str, spans: list[Span], anchor: str | None = "m1") -> str:
    """The whole text as escaped HTML with every match in <mark>; the first has the id
    anchor (the target of "naar de eerste treffer"), unless anchor is None."""
    if not spans:
        return html.escape(text)
    marked = segments_html(_mark(text, 0, len(text), spans))
    return marked.replace("<mark>", f'<mark id="{anchor}">', 1) if anchor else marked
