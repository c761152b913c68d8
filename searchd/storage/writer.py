"""Writing segments: each document analysed once, its postings written in bulk.

Whoosh's SegmentWriter turns a field into postings one token at a time (a generator and a
Token update per token and stage), analyses the body twice (postings, then the term vector)
and the lead a third time, keeps every posting as a tuple in a sorting pool, and writes it
through a per-posting writer that reads each document's length back from the segment. This
writer keeps Whoosh's segment files, per-document writer, deletions, merges and commit, and
replaces the rest for searchd's text fields:
- documents come in batches; the title and body of a batch are inverted at once, a
  dictionary look-up per word and numpy for the rest (inversion.py); the lead is the
  body's opening, so its postings are the body's first occurrences; the body's term
  vector and the words field come from the same inversion;
- postings wait per field in flat arrays (term number, document, weight, frequency,
  positions), are sorted once by numpy and encoded a block at a time, with block and term
  statistics computed for all blocks at once (blocks.encode_postings);
- when the arrays pass the memory limit they are encoded into a temporary run file and
  the pool starts again; when the segment is written the runs are merged term by term (a
  term's blocks from each run one after the other), so memory stays bounded and a writer
  still writes one segment.
Postings from Whoosh's own paths (other fields, merges of small segments) enter the same
arrays through add(). tests/test_writer.py checks that an index written here reads exactly
as one written by Whoosh's SegmentWriter.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import IO, Any

import numpy as np
from whoosh.fields import NUMERIC
from whoosh.writing import SegmentWriter

from .. import failpoints
from ..documents import Document
from ..schema import FIELDS, FIELDS_BY_NAME, Field
from .blocks import SortedPostings, TermPostings, encode_postings, join_postings, position_deltas
from .codec import VECTOR_LEVEL, SearchdCodec, write_terms
from .inversion import Inverted, Inverter, Occurrences, Vocabulary, union_pairs
from .matchers import value_kind

POOL_MB = 96  # postings kept in memory per writer before they go to a run file
Record = tuple[str, TermPostings]  # a field name and one of its terms' posting lists


class FieldPostings:
    """The postings of one field of a segment being written, as flat arrays in the order
    they came: term number (in the field's vocabulary, which fields analysed alike share),
    document number, weight, frequency and positions."""

    def __init__(self, kind: str, encoding: str, vocabulary: Vocabulary | None = None) -> None:
        self.kind = kind          # codec.value_kind of the field's format
        self.encoding = encoding  # of the term bytes
        self.vocabulary = Vocabulary() if vocabulary is None else vocabulary
        self.tids = array("I")
        self.docs = array("I")
        self.weights = array("f")
        self.freqs = array("I")
        self.positions = array("I")

    def nbytes(self) -> int:
        """Roughly the memory held (arrays; the vocabulary is the pool's to count)."""
        arrays = (self.tids, self.docs, self.weights, self.freqs, self.positions)
        return 4 * sum(len(a) for a in arrays)

    def add_occurrences(self, base: int, count: int, found: Occurrences) -> np.ndarray:
        """The postings of a batch of count documents (numbered from base) from their term
        occurrences (numbered in this field's vocabulary); each document's length."""
        firsts, counts = found.postings
        self._extend(self.tids, found.terms[firsts])
        self._extend(self.docs, found.docs[firsts] + base)
        self.weights.frombytes(counts.astype(np.float32).tobytes())
        if self.kind != "none":
            self._extend(self.freqs, counts)
        if self.kind == "positions":
            self._extend(self.positions, found.positions)
        return np.bincount(found.docs, minlength=count)

    def add_once(self, base: int, count: int, docs: np.ndarray,
                 terms: np.ndarray) -> np.ndarray:
        """Postings of frequency 1 (a term's one occurrence at position 0) of a batch of
        count documents (numbered from base); each document's length."""
        self._extend(self.tids, terms)
        self._extend(self.docs, docs + base)
        self.weights.frombytes(np.ones(len(docs), dtype=np.float32).tobytes())
        if self.kind != "none":
            self._extend(self.freqs, np.ones(len(docs), dtype=np.int64))
        if self.kind == "positions":
            self._extend(self.positions, np.zeros(len(docs), dtype=np.int64))
        return np.bincount(docs, minlength=count)

    @staticmethod
    def _extend(target: array[int], values: np.ndarray) -> None:
        """Append an integer array to one of the 32-bit arrays."""
        target.frombytes(values.astype(np.uint32).tobytes())

    def add(self, term: str, docnum: int, weight: float, positions: list[int]) -> None:
        """One posting from Whoosh's own paths."""
        self.tids.append(self.vocabulary.number(term))
        self.docs.append(docnum)
        self.weights.append(weight)
        if self.kind != "none":
            self.freqs.append(len(positions))
        if self.kind == "positions":
            self.positions.extend(positions)

    def sorted_postings(self) -> SortedPostings:
        """The field's postings sorted by term and document."""
        key, terms = self.vocabulary.ranks(np.frombuffer(self.tids, dtype=np.uint32))
        docs = np.frombuffer(self.docs, dtype=np.uint32)
        perm = np.lexsort((docs, key))
        key = key[perm]
        firsts = np.append(np.flatnonzero(np.diff(key, prepend=-1)), len(key))
        freqs, deltas, starts = self._sorted_values(perm)
        return SortedPostings([term.encode(self.encoding) for term in terms],
                              firsts, docs[perm],
                              np.frombuffer(self.weights, dtype=np.float32)[perm],
                              freqs, deltas, starts)

    def _sorted_values(self, perm: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None,
                                                        np.ndarray | None]:
        """Frequencies and position deltas in the order perm gives the postings, and where
        each posting's deltas start. (In 32-bit arrays, built in place: the positions are
        most of a segment's memory.)"""
        if self.kind == "none":
            return None, None, None
        freqs = np.frombuffer(self.freqs, dtype=np.uint32)
        if self.kind != "positions":
            return freqs[perm], None, None
        old_starts = np.cumsum(freqs, dtype=np.int64) - freqs
        freqs = freqs[perm]
        starts = np.concatenate(([0], np.cumsum(freqs, dtype=np.int64)))
        gather = np.repeat((old_starts[perm] - starts[:-1]).astype(np.int32), freqs)
        gather += np.arange(starts[-1], dtype=np.int32)
        flat = np.frombuffer(self.positions, dtype=np.uint32)[gather]
        del gather
        return freqs, position_deltas(flat, freqs, starts[:-1]), starts


class PostingsPool:
    """Stands in for Whoosh's PostingPool: the postings of a segment, per field."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self.fields: dict[str, FieldPostings] = {}
        self.surfaces = Vocabulary()  # the words as written (the "surface" fields' terms)
        self.inverters: dict[Any, Inverter] = {}  # per analyzer

    @property
    def fieldnames(self) -> set[str]:
        return set(self.fields)

    def inverter(self, name: str) -> Inverter:
        """The inverter of a "dutch" field (one per analysis: fields analysed alike share
        its vocabulary)."""
        analyzer = self.schema[name].analyzer
        inverter = self.inverters.get(analyzer)
        if inverter is None:
            inverter = self.inverters[analyzer] = Inverter(analyzer.fallback,
                                                           analyzer.compounds, self.surfaces)
        return inverter

    def field(self, name: str) -> FieldPostings:
        """The postings of field name."""
        postings = self.fields.get(name)
        if postings is None:
            fieldobj = self.schema[name]
            encoding = "latin-1" if isinstance(fieldobj, NUMERIC) else "utf-8"
            postings = self.fields[name] = FieldPostings(value_kind(fieldobj.format), encoding,
                                                         self._vocabulary(name))
        return postings

    def _vocabulary(self, name: str) -> Vocabulary | None:
        """The vocabulary field name's terms are numbered in: its inverter's, the words as
        written, or (None) one of its own."""
        field = FIELDS_BY_NAME.get(name)
        if field is None or field.analysis is None:
            return None
        if field.analysis == "surface":
            return self.surfaces
        return self.inverter(field.name if field.analysis == "dutch" else field.of[0]).terms

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """A posting as Whoosh's writer gives it: field, term bytes, document, weight and the
        value in the field format's encoding."""
        name, btext, docnum, weight, value = item
        postings = self.field(name)
        fmt = self.schema[name].format
        if postings.kind == "positions":
            positions = fmt.decode_positions(value)
        elif postings.kind == "frequency":
            positions = [0] * fmt.decode_frequency(value)  # only their number is kept
        else:
            positions = []
        postings.add(btext.decode(postings.encoding), docnum, weight, positions)

    def nbytes(self) -> int:
        """Roughly the memory the pool holds (~100 bytes a string of a vocabulary)."""
        strings = len(self.surfaces) + sum(len(i.terms) for i in self.inverters.values())
        return (sum(p.nbytes() for p in self.fields.values()) + 100 * strings
                + sum(i.nbytes() for i in self.inverters.values()))

    def encoded(self, perdocwriter: Any, codec: Any) -> Iterator[Record]:
        """Every field's encoded posting lists, fields in name order (as Whoosh writes
        them), terms in order; a field's arrays are let go once it is encoded."""
        for name in sorted(self.fields):
            postings, self.fields[name] = self.fields[name], FieldPostings("none", "")
            if len(postings.tids):
                lengths = perdocwriter.field_length_bytes(name)
                for found in encode_postings(postings.sorted_postings(), lengths,
                                             codec.POSTINGS_BLOCK, codec.POSTINGS_LEVEL):
                    yield name, found

    def cleanup(self) -> None:
        self.fields.clear()


class SearchdWriter(SegmentWriter):  # type: ignore[misc]  # Whoosh has no types
    """A Whoosh segment writer for searchd's schema with bulk postings (module docstring).
    add() takes a Document; Whoosh's add_document() still works (through the same pool)."""

    def __init__(self, ix: Any, pool_mb: int = POOL_MB, **kwargs: Any) -> None:
        # Whoosh's own write lock is not taken (_lk=False): every sync holds searchd's
        # (index.write_lock), and a writer that failed while it was being made (a full
        # disk) never released Whoosh's, so every later sync of a watcher failed; several
        # such writers (sync's worker processes) write segments at once under one lock.
        kwargs.setdefault("_lk", False)
        super().__init__(ix, codec=SearchdCodec(), **kwargs)
        self.pool = PostingsPool(self.schema)
        self.pool_limit = pool_mb * 1024 * 1024
        self.fields = sorted(FIELDS, key=lambda f: f.name)  # in the order Whoosh adds them
        self.runs: list[IO[bytes]] = []  # postings of full pools, encoded
        self.done_segments: list[Any] = []  # written by worker processes

    def add(self, doc: Document) -> None:
        """Index one Document (its fields as schema.FIELDS says)."""
        self.add_batch([doc])

    def add_batch(self, docs: list[Document]) -> None:
        """Index Documents, their text fields inverted together (inversion.py)."""
        self._check_state()
        if not docs:
            return
        values = [{field.name: field.value(doc) for field in self.fields} for doc in docs]
        lengths, vectors = self._invert(values)
        perdoc = self.perdocwriter
        for i, doc_values in enumerate(values):
            perdoc.start_doc(self.docnum)
            for field in self.fields:
                value = doc_values[field.name]
                if field.name in vectors and vectors[field.name][i]:
                    perdoc.add_vector_bytes(field.name, vectors[field.name][i])
                if field.analysis is not None:
                    self._add_stored(field.name, value, int(lengths[field.name][i]))
                elif value is not None:
                    self._add_other(field.name, self.docnum, value)
            perdoc.finish_doc()
            self.docnum += 1
        self._added = True
        if self.pool.nbytes() > self.pool_limit:
            self._spill()

    def _invert(self, values: list[dict[str, Any]]) -> tuple[dict[str, np.ndarray],
                                                              dict[str, list[bytes]]]:
        """The postings of a batch's text fields, into the pool: each text field's length
        in each document, and the term vectors of the fields that keep them."""
        inverted: dict[str, Inverted] = {}
        lengths: dict[str, np.ndarray] = {}
        vectors: dict[str, list[bytes]] = {}
        for field in self.fields:
            if field.analysis == "dutch":
                texts = [v[field.name] for v in values]
                found = inverted[field.name] = self.pool.inverter(field.name).invert(texts)
                postings = self.pool.field(field.name)
                lengths[field.name] = postings.add_occurrences(self.docnum, len(values),
                                                               found.occurrences)
                if self.schema[field.name].vector is not None:
                    vectors[field.name] = found.occurrences.vectors(
                        postings.vocabulary.strings, len(values), VECTOR_LEVEL)
        for field in self.fields:
            if field.analysis in ("opening", "surface"):
                lengths[field.name] = self._add_derived(field, values, inverted)
        return lengths, vectors

    def _add_derived(self, field: Field, values: list[dict[str, Any]],
                     inverted: dict[str, Inverted]) -> np.ndarray:
        """The postings of a field made from the inverted fields field.of (an opening:
        their first occurrences; surface: their words as written); each document's length."""
        postings = self.pool.field(field.name)
        if field.analysis == "opening":
            opened = inverted[field.of[0]].occurrences
            ends = np.array([len(v[field.name]) for v in values], dtype=np.int64)
            return postings.add_occurrences(self.docnum, len(values),
                                            opened.where(opened.ends <= ends[opened.docs]))
        docs, words = union_pairs([(inverted[name].word_docs, inverted[name].words)
                                   for name in field.of])
        return postings.add_once(self.docnum, len(values), docs, words)

    def _add_stored(self, name: str, text: str, length: int) -> None:
        """A text field's length (when it is scored) and stored value (when it is stored)."""
        fieldobj = self.schema[name]
        length = length if fieldobj.scorable else 0
        stored = text if fieldobj.stored else None
        self.perdocwriter.add_field(name, fieldobj, stored, length)

    def _add_other(self, name: str, docnum: int, value: Any) -> None:
        """Any other field, as Whoosh's add_document does it."""
        field = self.schema[name]
        length = 0
        if field.indexed:
            for btext, freq, weight, vbytes in field.index(value):
                length += freq if field.scorable else 0
                self.pool.add((name, btext, docnum, weight, vbytes))
        self.perdocwriter.add_field(name, field, value if field.stored else None, length)
        if field.column_type:
            self.perdocwriter.add_column_value(name, field.column_type,
                                               field.to_column_value(value))

    def _spill(self) -> None:
        """The pool is full: its postings go, encoded, to a temporary run file, merged
        with the others when the segment is written (one segment however many runs)."""
        run = tempfile.TemporaryFile(dir=self.storage.folder, prefix=".run-")
        for record in self.pool.encoded(self.perdocwriter, self.codec):
            pickle.dump(record, run, pickle.HIGHEST_PROTOCOL)
        run.seek(0)
        self.runs.append(run)
        self.pool = PostingsPool(self.schema)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        failpoints.reached("writer:flush")
        for name, terms in self._field_terms():
            write_terms(self.fieldwriter, name, self.schema[name], terms)
        self.fieldwriter.close()

    def _field_terms(self) -> Iterator[tuple[str, Iterable[TermPostings]]]:
        """Each field's encoded posting lists, terms in order: the pool's, joined with
        those of the runs when it spilled."""
        encoded = self.pool.encoded(self.perdocwriter, self.codec)
        if not self.runs:  # every term once
            for name, records in groupby(encoded, key=itemgetter(0)):
                yield name, map(itemgetter(1), records)
            return
        streams = [*map(_read_run, self.runs), encoded]
        merged = heapq.merge(*streams, key=lambda record: (record[0], record[1].term))
        for name, records in groupby(merged, key=itemgetter(0)):
            yield name, (join_postings([found for _, found in same])
                         for _, same in groupby(records, key=lambda record: record[1].term))

    def _close_segment(self) -> None:
        super()._close_segment()
        for run in self.runs:
            run.close()  # (a temporary file: closing deletes it)
        self.runs.clear()

    def add_segments(self, segments: list[Any]) -> None:
        """Segments written by other writers (worker processes), published by commit()."""
        self.done_segments.extend(segments)

    def finish_segments(self) -> list[Any]:
        """For a writer in a worker process: close its segments and return them, for the
        committing writer's add_segments(). Writes no table of contents."""
        if self._added:
            self.done_segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self.is_closed = True  # (the temporary folder is the committing writer's to remove)
        return self.done_segments

    def _commit_toc(self, segments: list[Any]) -> None:
        failpoints.reached("writer:before-toc")
        super()._commit_toc(list(segments) + self.done_segments)


def _read_run(run: IO[bytes]) -> Iterator[Record]:
    """The records of a run file, in the order they were written."""
    while True:
        try:
            yield pickle.load(run)
        except EOFError:
            return
