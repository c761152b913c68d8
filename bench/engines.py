"""The engines the benchmark compares, behind one small interface.

- searchd: this project (its own sync, Dutch analysis, vectors for snippets).
- whoosh: stock Whoosh as a typical user writes it: LanguageAnalyzer("nl"), one writer,
  MultifieldParser over title and body with OR, hit.highlights("body").
- tantivy: PyPI tantivy with its Dutch Snowball stemmer, one indexing thread, SnippetGenerator.
- fts5: SQLite FTS5 (unicode61 tokenizer, diacritics removed, no stemming), bm25, snippet().

The peers are benchmark-only dependencies (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from searchd.documents import Document, read_seed, scan_seeds

LIMIT = 10


@dataclass(frozen=True)
class Doc:
    """What every engine indexes of a seed file."""

    id: str
    title: str
    body: str


def read_docs(corpus: Path) -> Iterator[Doc]:
    """The readable seed files of corpus (the peers index what searchd would)."""
    for doc_id, path in scan_seeds(corpus):
        try:
            document: Document = read_seed(Path(path), corpus).document
        except Exception:  # noqa: BLE001 - a bad file is skipped by every engine alike
            continue
        yield Doc(doc_id, document.title, document.body)


class Engine:
    """Build an index from a folder, add one document, search with or without snippets."""

    name = ""

    def build(self, corpus: Path, folder: Path) -> None:
        raise NotImplementedError

    def open(self, corpus: Path, folder: Path) -> None:
        raise NotImplementedError

    def add_one(self, doc: Doc, corpus: Path) -> None:
        raise NotImplementedError

    def search(self, text: str, snippets: bool) -> list[str]:
        raise NotImplementedError

    def forget(self) -> None:
        """Drop what the engine cached in this process (not the OS's file cache)."""


class Searchd(Engine):
    """This project, through its library API (what the CLI and the server call)."""

    name = "searchd"
    index_settings: dict[str, Any] = {}  # config.toml's [index], beside the defaults
    collapse = True  # near-duplicates grouped, as the page and API group them

    def _config(self, corpus: Path, folder: Path) -> Any:
        from searchd.config import config_from_dict

        # no result cache: every query of the benchmark is searched (the HTTP figures show
        # the cache at work)
        return config_from_dict({"paths": {"seeds": str(corpus), "index": str(folder)},
                                 "search": {"result_cache_mb": 0},
                                 "index": self.index_settings}, folder)

    def build(self, corpus: Path, folder: Path) -> None:
        from searchd.sync import sync_index

        sync_index(self._config(corpus, folder), rebuild=True)

    def open(self, corpus: Path, folder: Path) -> None:
        from searchd.search import Engine as SearchdEngine

        self.config = self._config(corpus, folder)
        self.engine = SearchdEngine(self.config)

    def add_one(self, doc: Doc, corpus: Path) -> None:
        from searchd.sync import sync_index

        (corpus / doc.id).write_text(f" date 2026-11 {doc.title}\n\n{doc.body}\n",
                                     encoding="utf-8")
        sync_index(self.config)

    def search(self, text: str, snippets: bool, facets: bool = False) -> list[str]:
        result = self.engine.search(text, limit=LIMIT, snippets=snippets, facets=facets,
                                    collapse=self.collapse)
        return [h.id for h in result.hits]

    def forget(self) -> None:
        from searchd.segments import clear_caches

        clear_caches()


class SearchdFlat(Searchd):
    """searchd with near-duplicates as hits of their own (collapse=false)."""

    name = "searchd-flat"
    collapse = False


class SearchdOneProcess(Searchd):
    """searchd building in one process (`[index] processes = 1`): one core against stock
    Whoosh's one writer."""

    name = "searchd-1proc"
    index_settings = {"processes": 1}


class StockWhoosh(Engine):
    """Whoosh as its documentation shows it, with its Dutch LanguageAnalyzer."""

    name = "whoosh"

    @staticmethod
    def _schema() -> Any:
        from whoosh.analysis import LanguageAnalyzer
        from whoosh.fields import ID, TEXT, Schema

        analyzer = LanguageAnalyzer("nl")
        return Schema(id=ID(stored=True, unique=True),
                      title=TEXT(analyzer=analyzer, stored=True),
                      body=TEXT(analyzer=analyzer, stored=True))

    def build(self, corpus: Path, folder: Path) -> None:
        from whoosh import index

        ix = index.create_in(str(folder), self._schema())
        writer = ix.writer()
        for doc in read_docs(corpus):
            writer.add_document(id=doc.id, title=doc.title, body=doc.body)
        writer.commit()

    def open(self, corpus: Path, folder: Path) -> None:
        from whoosh import index
        from whoosh.qparser import MultifieldParser, OrGroup

        # (its schema given, not read: the pickle of its analyzers names classes that
        # searchd's restricted unpickler, installed in this process, refuses)
        self.ix = index.open_dir(str(folder), schema=self._schema())
        self.parser = MultifieldParser(["title", "body"], self.ix.schema, group=OrGroup)
        self.searcher = self.ix.searcher()

    def add_one(self, doc: Doc, corpus: Path) -> None:
        writer = self.ix.writer()
        writer.add_document(id=doc.id, title=doc.title, body=doc.body)
        writer.commit()
        self.searcher = self.searcher.refresh()

    def search(self, text: str, snippets: bool) -> list[str]:
        results = self.searcher.search(self.parser.parse(text), limit=LIMIT)
        ids = []
        for hit in results:
            if snippets:
                hit.highlights("body")
            ids.append(hit["id"])
        return ids


class Tantivy(Engine):
    """tantivy-py with a Dutch stemming analyzer, one indexing thread."""

    name = "tantivy"

    def _schema(self) -> Any:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, tokenizer_name="nl")
        builder.add_text_field("body", stored=True, tokenizer_name="nl")
        return builder.build()

    def _index(self, folder: Path) -> Any:
        import tantivy

        self.schema = self._schema()
        ix = tantivy.Index(self.schema, path=str(folder))
        analyzer = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                    .filter(tantivy.Filter.lowercase())
                    .filter(tantivy.Filter.stemmer("dutch")).build())
        ix.register_tokenizer("nl", analyzer)
        return ix

    def build(self, corpus: Path, folder: Path) -> None:
        import tantivy

        ix = self._index(folder)
        writer = ix.writer(heap_size=256_000_000, num_threads=1)
        for doc in read_docs(corpus):
            writer.add_document(tantivy.Document(id=doc.id, title=doc.title, body=doc.body))
        writer.commit()
        writer.wait_merging_threads()

    def open(self, corpus: Path, folder: Path) -> None:
        self.ix = self._index(folder)
        self.ix.reload()
        self.searcher = self.ix.searcher()

    def add_one(self, doc: Doc, corpus: Path) -> None:
        import tantivy

        writer = self.ix.writer(heap_size=64_000_000, num_threads=1)
        writer.add_document(tantivy.Document(id=doc.id, title=doc.title, body=doc.body))
        writer.commit()
        writer.wait_merging_threads()
        self.ix.reload()
        self.searcher = self.ix.searcher()

    def search(self, text: str, snippets: bool) -> list[str]:
        import tantivy

        query = self.ix.parse_query(text, ["title", "body"])
        hits = self.searcher.search(query, LIMIT).hits
        generator = (tantivy.SnippetGenerator.create(self.searcher, query, self.schema, "body")
                     if snippets else None)
        ids = []
        for _, address in hits:
            doc = self.searcher.doc(address)
            if generator is not None:
                generator.snippet_from_doc(doc).to_html()
            ids.append(doc["id"][0])
        return ids


class Fts5(Engine):
    """SQLite FTS5 with bm25 ranking and snippet()."""

    name = "fts5"

    def build(self, corpus: Path, folder: Path) -> None:
        db = sqlite3.connect(folder / "fts.db")
        db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, "
                   "tokenize = 'unicode61 remove_diacritics 2')")
        db.executemany("INSERT INTO docs VALUES (?, ?, ?)",
                       ((d.id, d.title, d.body) for d in read_docs(corpus)))
        db.commit()
        db.close()

    def open(self, corpus: Path, folder: Path) -> None:
        self.db = sqlite3.connect(folder / "fts.db", check_same_thread=False)

    def add_one(self, doc: Doc, corpus: Path) -> None:
        self.db.execute("INSERT INTO docs VALUES (?, ?, ?)", (doc.id, doc.title, doc.body))
        self.db.commit()

    def search(self, text: str, snippets: bool) -> list[str]:
        match = " OR ".join(f'"{w}"' for w in text.split())
        columns = "id, snippet(docs, 2, '<mark>', '</mark>', '…', 32)" if snippets else "id"
        rows = self.db.execute(f"SELECT {columns} FROM docs WHERE docs MATCH ? "
                               "ORDER BY bm25(docs) LIMIT ?", (match, LIMIT)).fetchall()
        return [row[0] for row in rows]


ENGINES: dict[str, type[Engine]] = {e.name: e for e in (Searchd, SearchdOneProcess, StockWhoosh,
                                                         Tantivy, Fts5)}


def searchd_and_whoosh(corpus: Path, scratch: Path, depth: int
                       ) -> list[tuple[str, Callable[[str], list[str]]]]:
    """searchd (grouped and flat) and stock Whoosh, each built over corpus in a folder of
    scratch, as (name, a function from a query to the ids of its first depth hits)."""
    searchd, whoosh = Searchd(), StockWhoosh()
    for engine in (searchd, whoosh):
        folder = scratch / engine.name
        folder.mkdir()
        engine.build(corpus, folder)
        engine.open(corpus, folder)

    def asker(collapse: bool, members: bool = False) -> Callable[[str], list[str]]:
        def ask_searchd(text: str) -> list[str]:
            result = searchd.engine.search(text, limit=depth, snippets=False, facets=False,
                                           collapse=collapse)
            return [i for h in result.hits
                    for i in [h.id, *(d.id for d in h.duplicates if members)]]
        return ask_searchd

    def ask_whoosh(text: str) -> list[str]:
        return [h["id"] for h in whoosh.searcher.search(whoosh.parser.parse(text),
                                                        limit=depth)]

    # searchd: near-duplicates grouped under one hit, as the page shows them (the others
    # are not among the ids); +groups: each hit's near-duplicates after it (its group
    # opened); flat: each a hit of its own (collapse=false)
    return [("searchd", asker(True)), ("searchd+groups", asker(True, True)),
            ("searchd-flat", asker(False)), ("whoosh", ask_whoosh)]


def available(name: str) -> str | None:
    """None when the engine can run here, else why not."""
    if name == "tantivy":
        try:
            import tantivy  # noqa: F401
        except ImportError:
            return "tantivy is not installed (pip install -e '.[bench]')"
    return None


def scratch_copy(corpus: Path, max_docs: int | None = None) -> Path:
    """A writable copy of corpus (its first max_docs seed files, in name order) made of
    hard links, or copies across file systems."""
    target = Path(tempfile.mkdtemp(prefix="searchd-bench-seeds-")) / "seeds"
    for n, source in enumerate(sorted(corpus.rglob("*.txt"))):
        if max_docs is not None and n >= max_docs:
            break
        destination = target / source.relative_to(corpus)
        destination.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(str(source), str(destination))
    return target


def _link_or_copy(src: str, dst: str) -> None:
    try:
        Path(dst).hardlink_to(src)
    except OSError:
        shutil.copy2(src, dst)
