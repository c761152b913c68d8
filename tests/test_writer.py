"""The bulk segment writer (writer.py) against Whoosh's own SegmentWriter: an index written
by either must read the same, term by term, posting by posting, block by block."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from searchd.config import config_from_dict
from searchd.documents import Document, parse_seed
from searchd.index import open_index
from searchd.schema import build_schema, document_fields
from searchd.storage import SearchdWriter, month_codes
from searchd.storage.codec import SearchdCodec
from searchd.storage.reading import field_terms, posting_blocks, vector_spans
from searchd.sync import sync_index

from .conftest import DOCS, REPO, write_seeds

WORDS = ("minister begroting gemeente fiets stad belasting aanslag regering wet kamer de het "
         "IS-strijders auto's 's-Hertogenbosch e-mail 5.600 3,5 COVID19 d'Hondt Financiën "
         "veiligheidsminister ziekenhuisbed Ærø naïef café").split()


def _documents(count: int, seed: int) -> list[Document]:
    """count documents of random words: some undated, some without title or body, a few
    long enough for the lead to be cut and for posting lists of several blocks."""
    rng = random.Random(seed)
    texts = [(f"real{i}.txt", text) for i, text in enumerate(DOCS.values())]
    texts.append(("seed.txt", (REPO / "seeds" / "000_3417ef95b44b26d0.txt").read_text("utf-8")))
    for i in range(count):
        date = f"{rng.randrange(1990, 2021)}-{rng.randrange(1, 13):02d}" if i % 5 else ""
        title = " ".join(rng.choices(WORDS, k=rng.randrange(0, 4)))
        paragraphs = ["  ".join(" ".join(rng.choices(WORDS, k=rng.randrange(1, 30)))
                                for _ in range(rng.randrange(1, 12)))
                      for _ in range(rng.randrange(0, 4))]
        body = "\n\n".join(paragraphs)
        texts.append((f"d{seed}-{i:04d}.txt", f" date {date} {title}\n\n{body}"))
    return [parse_seed(text.encode(), name).document for name, text in texts]


def _dump(ix: Any, blocks: bool = True) -> dict[str, Any]:
    """Everything a reader of ix's one segment sees, by document number (with or without
    the statistics of each posting's block)."""
    reader = ix.reader()
    schema = ix.schema
    out: dict[str, Any] = {"docs": reader.doc_count_all(),
                           "stored": list(reader.all_stored_fields())}
    for name in schema.names():
        field = schema[name]
        out[f"length:{name}"] = ([reader.doc_field_length(d, name) for d in range(out["docs"])],
                                 reader.field_length(name))
        if field.column_type:
            column = reader.column_reader(name, translate=False)
            out[f"column:{name}"] = [column[d] for d in range(out["docs"])]
        if field.vector:
            out[f"vector:{name}"] = [vector_spans(reader, d, name, None)
                                     for d in range(out["docs"])]
        if not field.indexed:
            continue
        kind = "positions" if field.format.supports("positions") else "frequency"
        for btext in reader.lexicon(name):
            info = reader.term_info(name, btext)
            postings = []
            matcher = reader.postings(name, btext)
            while matcher.is_active():
                block = (matcher.block_min_length(), matcher.block_max_length(),
                         matcher.block_max_weight(), matcher.block_max_id()) if blocks else ()
                postings.append((matcher.id(), matcher.weight(), matcher.value_as(kind),
                                 *block))
                matcher.next()
            out[f"term:{name}:{btext!r}"] = (info.weight(), info.doc_frequency(),
                                             info.min_length(), info.max_length(),
                                             info.max_weight(), info.min_id(), info.max_id(),
                                             postings)
    return out


def _index(path: Path, writer_class: type, docs: list[Document], **options: Any) -> Any:
    path.mkdir()
    ix = FileStorage(str(path)).create_index(build_schema("dutch_porter", True))
    if writer_class is SearchdWriter:  # in batches of 1 to 40 documents
        writer = SearchdWriter(ix, **options)
        rng, start = random.Random(len(docs)), 0
        while start < len(docs):
            size = rng.randrange(1, 41)
            writer.add_batch(docs[start:start + size])
            start += size
    else:
        writer = SegmentWriter(ix, codec=SearchdCodec())
        for doc in docs:
            writer.add_document(**document_fields(doc))
    writer.commit()
    return ix


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Posting blocks of 8, so that posting lists span several blocks."""
    monkeypatch.setattr(SearchdCodec, "POSTINGS_BLOCK", 8)


def test_the_bulk_writer_writes_what_whoosh_writes(tmp_path: Path, small_blocks: None) -> None:
    docs = _documents(120, 1)
    ours = _dump(_index(tmp_path / "ours", SearchdWriter, docs))
    whoosh = _dump(_index(tmp_path / "whoosh", SegmentWriter, docs))
    assert ours.keys() == whoosh.keys()
    for key in whoosh:
        assert ours[key] == whoosh[key], key
    assert any(len(v[-1]) > 8 for k, v in ours.items() if k.startswith("term:body"))


def test_full_pools_spill_to_runs_merged_into_one_segment(tmp_path: Path,
                                                          small_blocks: None) -> None:
    """With a pool that is full after every document, each document's postings go to a
    run of their own: the one segment written holds what Whoosh's writer writes (its
    blocks are cut where the runs end, so their statistics differ)."""
    docs = _documents(60, 2)
    ix = _index(tmp_path / "ours", SearchdWriter, docs, pool_mb=0)
    assert len(ix.reader().leaf_readers()) == 1
    ours = _dump(ix, blocks=False)
    assert ours == _dump(_index(tmp_path / "whoosh", SegmentWriter, docs), blocks=False)
    assert not list(tmp_path.glob("ours/.run-*"))  # the run files are gone
    reader = ix.reader()
    for btext in (b"minister", b"stad", b"fiets"):  # ranking's reading of joined lists
        blocks = list(posting_blocks(reader, "body", btext))
        assert len(blocks) > 1
        ids = [int(i) for block in blocks for i in block[0]]
        freqs = [float(f) for block in blocks for f in block[1]]
        expected = ours[f"term:body:{btext!r}"][-1]
        assert list(zip(ids, freqs)) == [(p[0], p[1]) for p in expected]


def _by_id(ix: Any) -> dict[str, Any]:
    """What the index holds per document id and term, whatever its segments."""
    out: dict[str, Any] = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        ids = {d: f["id"] for d, f in reader.iter_docs()}
        for name in ("body", "lead", "title", "words", "id"):
            for btext in reader.lexicon(name):
                matcher = reader.postings(name, btext)
                kind = "positions" if name in ("body", "lead", "title") else "frequency"
                found = _postings(matcher, ids, kind)
                if found:  # (a deleted document's terms stay in its segment's lexicon)
                    out[f"{name}:{btext!r}"] = found
        for segment, _ in reader.leaf_readers():
            codes = month_codes(segment, "date")
            for docnum, fields in segment.iter_docs():  # (live documents only)
                out[f"date:{fields['id']}"] = (int(codes[docnum]), fields.get("month"))
    return out


def _postings(matcher: Any, ids: dict[int, str], kind: str) -> list[Any]:
    found = []
    while matcher.is_active():
        value = matcher.value_as(kind)
        found.append((ids[matcher.id()], matcher.weight(),
                      tuple(value) if isinstance(value, list) else value))
        matcher.next()
    return sorted(found)


def test_syncs_that_merge_segments_hold_what_a_fresh_build_holds(tmp_path: Path) -> None:
    """Incremental syncs write small segments, which Whoosh's merge policy merges through
    the pool's generic path: the result must equal one build of the final folder."""
    docs = {f"d{i}.txt": f" date 2020-01 Titel {i}\n\n" + " ".join(
        random.Random(i).choices(WORDS, k=40)) for i in range(30)}
    seeds = write_seeds(tmp_path / "seeds", dict(list(docs.items())[:10]))
    config = config_from_dict({"paths": {"seeds": "seeds", "index": "index"}}, tmp_path)
    sync_index(config)
    for start in range(10, 30, 5):
        write_seeds(seeds, dict(list(docs.items())[start:start + 5]))
        (seeds / f"d{start - 7}.txt").write_text(" date 2021-02 Nieuw\n\nanders nu", "utf-8")
        sync_index(config)
    incremental = _by_id(open_index(config.index))
    fresh = config_from_dict({"paths": {"seeds": "seeds", "index": "fresh"}}, tmp_path)
    sync_index(fresh)
    assert incremental == _by_id(open_index(fresh.index))


@pytest.mark.parametrize("chunk", [1, 37, 1 << 17])
def test_field_terms_reads_what_whoosh_reads(tmp_path: Path, chunk: int) -> None:
    ix = _index(tmp_path / "ix", SearchdWriter, _documents(40, 3))
    with ix.reader() as reader:
        for field in ("title", "words", "id"):
            expected = [(t if isinstance(t, bytes) else t.encode("utf-8"), i.doc_frequency())
                        for t, i in reader.iter_field(field)]
            assert expected and list(field_terms(reader, field, chunk)) == expected, field
        assert list(field_terms(reader, "no such field")) == []


@pytest.mark.parametrize("blocks", [2, 1024])
def test_blocks_keep_wide_ids_and_fractional_weights(tmp_path: Path, blocks: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Id deltas of every width (uint8/16/32) and weights that are not small whole
    numbers come back as written, through Whoosh's matcher and the ranking arrays."""
    from whoosh.codec.whoosh3 import W3TermInfo
    from whoosh.formats import Positions

    from searchd.storage.blocks import array_blocks
    from searchd.storage.matchers import ArrayLeafMatcher

    monkeypatch.setattr(SearchdCodec, "POSTINGS_BLOCK", blocks)
    postings = [(3, 1.0, [4]), (200, 2.0, [1, 9]), (60_000, 1.0, [5]), (60_300, 1.0, [6]),
                (70_000, 2.5, [2, 3]), (70_001, 300.0, [7]), (80_000, -2.0, [1]),
                (80_001, 3.0, [2]), (5_000_000, 1.0, [0])]
    fmt, info = Positions(), W3TermInfo()
    storage = FileStorage(str(tmp_path))
    out = storage.create_file("postings")
    writer = SearchdCodec().postings_writer(out)
    writer.start_postings(fmt, info)
    for doc, weight, places in postings:
        writer.add_posting(doc, weight, fmt.encode(places), length=10)
    writer.finish_postings()
    out.close()
    offset, length = info.extent()
    source = storage.open_file("postings")
    try:
        matcher = ArrayLeafMatcher(source, offset, length, fmt)
        read = []
        while matcher.is_active():
            read.append((matcher.id(), matcher.weight(), matcher.value_as("positions")))
            matcher.next()
        arrays = list(array_blocks(source.get(offset + 4, length - 4)))
    finally:
        source.close()
    assert read == postings
    ids = np.concatenate([np.cumsum(deltas) for deltas, _ in arrays])  # each block from 0
    assert ids.tolist() == [p[0] for p in postings]
    assert np.concatenate([w for _, w in arrays]).tolist() == [p[1] for p in postings]
