"""The cluster's words, for planning a query once on the coordinator as one index would plan
it: the word tables of every shard's segments (typo tolerance, "Bedoelde u", compound
parts and completions add counts over segments, so shards' segments are simply more of
them), and, for the rare queries that ask for them (patterns, the cost bounds of phrases),
the terms and frequencies of an index field, asked of every shard and added up.

ClusterReader stands in for the Whoosh reader the planner and Whoosh's pattern queries
read; PlanningSearcher for the searcher that Planning holds."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from typing import Any

from whoosh.fields import Schema

from ..suggest import WordTable

PAGE = 4096  # terms a shard sends at a time while a pattern's expansions are read

# ask(method, *args): the answers of every shard (one copy each) in shard order
Ask = Callable[..., list[Any]]


class ClusterReader:
    """What planning reads of an index, over all shards."""

    def __init__(self, schema: Schema, tables: list[WordTable], documents: int,
                 shards: int, ask: Ask) -> None:
        self.schema = schema
        self._shards = shards
        self._tables = tables
        self._documents = documents
        self._ask = ask

    def word_tables(self) -> list[WordTable]:
        """Every shard's segments' word tables (suggest.word_tables)."""
        return self._tables

    def _bytes(self, field: str, text: Any) -> bytes:
        return text if isinstance(text, bytes) else self.schema[field].to_bytes(text)

    def doc_frequency(self, field: str, text: Any) -> int:
        """Documents holding a term, over all shards."""
        return sum(self._ask("doc_frequency", field, self._bytes(field, text)))

    def frequency(self, field: str, text: Any) -> int:
        """Occurrences of a term, over all shards."""
        return sum(self._ask("frequency", field, self._bytes(field, text)))

    def __contains__(self, term: tuple[str, Any]) -> bool:
        return self.doc_frequency(*term) > 0

    def doc_count_all(self) -> int:
        return self._documents

    def expand_prefix(self, field: str, prefix: Any) -> Iterator[bytes]:
        """The terms of field that start with prefix, in index order, each once, read
        from the shards a page at a time as they are consumed."""
        start = self._bytes(field, prefix)
        streams = [self._stream(field, start, shard) for shard in range(self._shards)]
        last = None
        for term in heapq.merge(*streams):
            if term != last:
                yield term
                last = term

    def lexicon(self, field: str) -> Iterator[bytes]:
        """Every term of field, in index order."""
        return self.expand_prefix(field, b"")

    def terms_within(self, field: str, text: str, maxdist: int,
                     prefix: int = 0) -> list[bytes]:
        """Terms within maxdist edits of text (Whoosh's fuzzy terms), over all shards."""
        found: set[bytes] = set()
        for terms in self._ask("terms_within", field, text, maxdist, prefix):
            found.update(terms)
        return sorted(found)

    def _stream(self, field: str, prefix: bytes, shard: int) -> Iterator[bytes]:
        after = None
        while True:
            page: list[bytes] = self._ask("terms_page", field, prefix, after, PAGE,
                                          shard=shard)[0]
            yield from page
            if len(page) < PAGE:
                return
            after = page[-1]


class PlanningSearcher:
    """The searcher Planning holds, on the coordinator: the schema and a ClusterReader."""

    def __init__(self, reader: ClusterReader) -> None:
        self._reader = reader
        self.schema = reader.schema

    def reader(self) -> ClusterReader:
        return self._reader
