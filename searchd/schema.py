"""The index's schema: one contract between a Document and what the index holds.

Field names are the constants below, used everywhere a field is named. FIELDS says what
each field holds of a Document and how it is analysed; the bulk writer (storage/writer.py)
and the plain Whoosh path (document_fields, for tests and tools) both read it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, STORED, TEXT, Schema
from whoosh.fields import ID as IdField
from whoosh.formats import Characters

from . import bodytext, months, neardup
from .analysis import SurfaceWordsAnalyzer, dutch_analyzer
from .documents import Document
from .formats import CODES

SCHEMA_VERSION = 15  # bump when the schema or the field values change: indexes are rebuilt
LEAD_CHARS = 800

ID = "id"
TITLE = "title"
BODY = "body"
LEAD = "lead"             # the body's opening (lead())
WORDS = "words"           # the words as written, for spelling suggestions
PACKED_BODY = "packed_body"
MONTH = "month"           # the document's month, "YYYY-MM", stored for display
MONTH_COLUMN = "date"     # the same month as a column of month codes: filters, facets, sorting
CHECKSUM = "checksum"
FINGERPRINT = "fingerprint"  # the simhash of title and body (neardup.py), as a column
FORMAT = "format"         # the document's format (formats.FORMATS), stored
FORMAT_COLUMN = "format_code"  # ... as a column of its number (formats.CODES): facets, filters
ORDER_COLUMN = "order_key"  # 64 bits of a hash of the id: equal scores in the same order on
#                            any layout of the index (segments, shards), not by document number
AUTHOR_COLUMN = "author_code"  # the author's 64-bit hash (author_code()) as a column: facets
AUTHOR = "author"         # its author, where its metadata names one, stored

SEARCH_FIELDS = (TITLE, BODY, LEAD)  # the fields a query searches

# How the bulk writer analyses a text field: "dutch" (DutchAnalyzer's terms, inverted in
# bulk; a field with a term vector keeps their spans), "opening" (the field's text is the
# opening of field `of`: its postings are that field's inside it), "surface" (each word as
# written, once: those of the fields `of`, whose texts joined by newlines are its value).
Analysis = Literal["dutch", "opening", "surface"]


@dataclass(frozen=True)
class Field:
    """One field of the index: its name, its value for a Document (None: the document has
    none) and, for a text field, how the bulk writer analyses it."""

    name: str
    value: Callable[[Document], Any]
    analysis: Analysis | None = None
    of: tuple[str, ...] = ()  # the field an "opening" opens; the fields of a "surface"


def lead(body: str, size: int = LEAD_CHARS) -> str:
    """The opening of a body, where a news article (or a question) says what it is about:
    whole paragraphs up to about size characters, and never more than a third of the body
    (in a short text the lead would only repeat the body). Indexed with a small boost."""
    limit = min(size, len(body) // 3)
    end = body.rfind(" ", 0, limit) if limit < len(body) else len(body)
    return body[: max(end, 0)]


def words_text(doc: Document) -> str:
    """The text whose words (as written) the words field holds: title and body."""
    return doc.title + "\n" + doc.body


FIELDS = (
    Field(ID, lambda d: d.id),
    Field(TITLE, lambda d: d.title, "dutch"),
    Field(BODY, lambda d: d.body, "dutch"),
    Field(PACKED_BODY, lambda d: bodytext.pack(d.body)),
    Field(LEAD, lambda d: lead(d.body), "opening", of=(BODY,)),
    Field(WORDS, words_text, "surface", of=(TITLE, BODY)),
    Field(MONTH_COLUMN, lambda d: months.code_of(d.month) if d.month else None),
    Field(MONTH, lambda d: d.month),
    Field(CHECKSUM, lambda d: d.checksum),
    Field(FINGERPRINT, lambda d: neardup.fingerprint(d.title, d.body)),
    Field(FORMAT, lambda d: d.format),
    Field(FORMAT_COLUMN, lambda d: CODES.index(d.format)),
    Field(AUTHOR_COLUMN, lambda d: author_code(d.author) or None),
    Field(ORDER_COLUMN, lambda d: order_key(d.id)),
    Field(AUTHOR, lambda d: d.author or None),
)


def order_key(doc_id: str) -> int:
    """Where a document goes among matches of equal score: 64 bits of a hash of its id
    (never 0). The same on one index and on every shard of a cluster."""
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") or 1


def author_code(author: str) -> int:
    """The number an author is counted and filtered by: 64 bits of a hash of the name as
    written, case and spaces aside (0: no author)."""
    name = " ".join(author.casefold().split())
    if not name:
        return 0
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") or 1


def build_schema(stemmer: str, compounds: bool) -> Schema:
    """The Whoosh schema of FIELDS."""
    analyzer = dutch_analyzer(stemmer, compounds)
    return Schema(**{
        ID: IdField(unique=True, stored=True),
        TITLE: TEXT(analyzer=analyzer, stored=True, phrase=True),
        # the body's term vector keeps each term's character spans: snippets and the
        # document page mark matches without analysing the (maybe huge) text again
        BODY: TEXT(analyzer=analyzer, phrase=True, vector=Characters()),
        # the body text itself, in compressed chunks (bodytext.py): a snippet reads a few
        # kilobytes of a huge document, and the other stored fields stay small
        PACKED_BODY: COLUMN(VarBytesColumn()),
        LEAD: TEXT(analyzer=analyzer, phrase=True),
        # scorable only so that Whoosh keeps a length column: without one it checks the
        # disk for that column once per posting while writing
        WORDS: TEXT(analyzer=SurfaceWordsAnalyzer(), phrase=False),
        # only ever read whole, as a column (ranking.py), and never searched: not indexed
        # (a DATETIME field wrote 8 terms a document, and checksums 219,000 unique terms)
        MONTH_COLUMN: COLUMN(NumericColumn("i", default=months.UNDATED)),
        MONTH: STORED(),
        CHECKSUM: STORED(),
        # read whole, as a column, to group near-duplicate matches (neardup.py)
        FINGERPRINT: COLUMN(NumericColumn("Q", default=neardup.NONE)),
        FORMAT: STORED(),
        FORMAT_COLUMN: COLUMN(NumericColumn("B", default=0)),
        AUTHOR_COLUMN: COLUMN(NumericColumn("Q", default=0)),
        ORDER_COLUMN: COLUMN(NumericColumn("Q", default=0)),
        AUTHOR: STORED(),
    })


FIELD_NAMES = sorted(field.name for field in FIELDS)
FIELDS_BY_NAME = {field.name: field for field in FIELDS}


def document_fields(doc: Document) -> dict[str, Any]:
    """The Whoosh field values of a Document (fields it has no value for left out)."""
    values = ((field.name, field.value(doc)) for field in FIELDS)
    return {name: value for name, value in values if value is not None}
