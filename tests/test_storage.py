"""storage/: the Whoosh it is written against, and its blocks without Whoosh.

(What storage writes is read back and compared with Whoosh's own writer and matchers in
test_writer.py and test_ranking.py.)"""

from __future__ import annotations

import re
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import whoosh
from hypothesis import given
from hypothesis import strategies as st
from whoosh.util.numeric import length_to_byte

from searchd.storage import compat, vectors, wordlists
from searchd.storage.blocks import (
    SortedPostings,
    array_blocks,
    encode_postings,
    join_postings,
    position_deltas,
)
from searchd.storage.codec import length_bytes
from searchd.storage.vectors import decode_vector, encode_vector

BLOCKS = Path(compat.__file__).with_name("blocks.py")


def test_whoosh_is_the_one_storage_is_written_against() -> None:
    compat.check()  # raises, naming what differs, when it is not
    assert compat.missing_names() == []


def test_another_whoosh_is_named_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whoosh, "versionstring", lambda: "2.7.5")
    with pytest.raises(compat.IncompatibleWhoosh, match="Whoosh 2.7.5.*2.7.4"):
        compat.check_version()
    monkeypatch.undo()
    monkeypatch.setitem(compat.PRIVATE_NAMES, "whoosh.codec.whoosh3:W3LeafMatcher",
                        ("_goto", "_gone"))
    with pytest.raises(compat.IncompatibleWhoosh, match=r"W3LeafMatcher\._gone"):
        compat.check()


def test_blocks_need_no_whoosh() -> None:
    """blocks.py is numpy alone: loaded by itself, it imports no Whoosh."""
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('blocks', {str(BLOCKS)!r})\n"
            "blocks = importlib.util.module_from_spec(spec)\n"
            "sys.modules['blocks'] = blocks\n"
            "spec.loader.exec_module(blocks)\n"
            "assert not [m for m in sys.modules if m.startswith('whoosh')], 'whoosh'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_length_bytes_are_whooshs() -> None:
    lengths = np.arange(0, 130_000)
    expected = np.array([length_to_byte(int(n)) for n in lengths], dtype=np.uint8)
    assert np.array_equal(length_bytes(lengths), expected)


def test_position_deltas_restart_at_every_posting() -> None:
    positions = np.array([3, 7, 8, 0, 5, 2], dtype=np.int64)
    counts = np.array([3, 0, 2, 1])
    assert position_deltas(positions, counts).tolist() == [3, 4, 1, 0, 5, 2]


@st.composite
def postings(draw: st.DrawFn) -> tuple[dict[bytes, list[tuple[int, float]]], int]:
    """A field's postings: term -> [(document, weight)], documents ascending; and the
    documents' count."""
    docs = draw(st.integers(1, 3000))
    terms = draw(st.lists(st.binary(min_size=1, max_size=4), min_size=1, max_size=6,
                          unique=True))
    found = {}
    for term in sorted(terms):
        ids = draw(st.lists(st.integers(0, docs - 1), min_size=1, max_size=300, unique=True))
        weights = draw(st.lists(st.one_of(st.integers(1, 300).map(float),
                                          st.floats(0.5, 2.0, width=32)),
                                min_size=len(ids), max_size=len(ids)))
        found[term] = list(zip(sorted(ids), weights))
    return found, docs


def _ids(blocks: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The document numbers of decoded blocks (each block's deltas start from 0)."""
    return np.concatenate([np.cumsum(d, dtype=np.int64) for d, _ in blocks])


def _sorted(found: dict[bytes, list[tuple[int, float]]]) -> SortedPostings:
    terms = sorted(found)
    flat = [p for t in terms for p in found[t]]
    sizes = [len(found[t]) for t in terms]
    return SortedPostings(terms, np.concatenate(([0], np.cumsum(sizes))).astype(np.int64),
                          np.array([d for d, _ in flat], dtype=np.uint32),
                          np.array([w for _, w in flat], dtype=np.float32), None, None, None)


@given(postings(), st.sampled_from([1, 3, 64, 1024]))
def test_blocks_decode_to_what_was_encoded(field: tuple[dict[bytes, list[tuple[int, float]]],
                                                         int], blocksize: int) -> None:
    found, docs = field
    # a document with a posting has a length (a field without lengths: all 0)
    low = 0 if docs % 5 == 0 else 1
    lengths = np.random.default_rng(docs).integers(low, 256, docs).astype(np.uint8)
    lengths *= np.uint8(low)
    for encoded in encode_postings(_sorted(found), lengths, blocksize, level=1):
        expected = found[encoded.term]
        blocks = list(array_blocks(encoded.blocks))
        assert len(blocks) == -(-len(expected) // blocksize)
        ids = _ids(blocks)
        weights = np.concatenate([w.astype(np.float32) for _, w in blocks])
        assert ids.tolist() == [d for d, _ in expected]
        assert weights.tolist() == [np.float32(w) for _, w in expected]
        assert (encoded.df, encoded.minid, encoded.maxid) == \
            (len(expected), expected[0][0], expected[-1][0])
        assert encoded.maxweight == max(np.float32(w) for _, w in expected)
        own = lengths[[d for d, _ in expected]]
        assert encoded.highbyte == own.max()
        assert encoded.lowbyte == own.min()


@given(postings())
def test_joined_runs_read_as_one_posting_list(field: tuple[dict[bytes, list[tuple[int,
                                                                                float]]],
                                                            int]) -> None:
    """A term's postings written in two runs of documents (a writer that spilled its pool)
    and joined read as the whole list."""
    found, docs = field
    lengths = np.ones(docs, dtype=np.uint8)
    cut = docs // 2
    first = {t: [p for p in ps if p[0] < cut] for t, ps in found.items()}
    second = {t: [p for p in ps if p[0] >= cut] for t, ps in found.items()}
    runs = [{t.term: t for t in encode_postings(_sorted({k: v for k, v in run.items() if v}),
                                                lengths, 4, level=1)}
            for run in (first, second) if any(run.values())]
    for term, expected in found.items():
        joined = join_postings([run[term] for run in runs if term in run])
        blocks = list(array_blocks(joined.blocks))
        ids = _ids(blocks)
        assert ids.tolist() == [d for d, _ in expected] and joined.df == len(expected)


_PRIVATE = re.compile(r"(?:\.|\bimport |, )(_[A-Za-z]\w*)")
_DEFINED = re.compile(r"(?:\bdef |\bclass |\bself\.|^)(_[A-Za-z]\w*)\s*[(:=]", re.M)


def _private_names(files: list[Path]) -> dict[str, set[str]]:
    """Private names (_x) each file uses after a dot or in an import."""
    return {str(f): set(_PRIVATE.findall(f.read_text(encoding="utf-8"))) for f in files}


def test_no_private_whoosh_name_outside_storage() -> None:
    """Outside storage/, searchd uses no private name that Whoosh defines and searchd
    does not (its own private names may look alike: cache._lock is searchd's)."""
    package = Path(compat.__file__).parents[1]
    whoosh_dir = Path(whoosh.__file__).parent
    theirs = {name for f in whoosh_dir.rglob("*.py")
              for name in _DEFINED.findall(f.read_text(encoding="utf-8"))}
    ours_files = [f for f in package.rglob("*.py") if "storage" not in f.parts]
    ours = {name for f in ours_files for name in _DEFINED.findall(f.read_text(encoding="utf-8"))}
    used = _private_names(ours_files)
    offending = {f: sorted(names & theirs - ours) for f, names in used.items()
                 if names & theirs - ours}
    assert offending == {}
    assert "_btexts" in theirs and "_lenfield" in theirs  # (the check sees Whoosh's names)


_SPANS = st.dictionaries(
    st.text("abcéß~", min_size=1, max_size=5),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**7), st.integers(1, 70)),
             min_size=1, max_size=5),
    max_size=150)


@given(_SPANS, st.sets(st.text("abcéß~", min_size=1, max_size=5), max_size=6),
       st.sampled_from([None, 1, 2]), st.sampled_from([1, 3, 64]))
def test_vectors_decode_to_what_was_encoded(spans: dict[str, list[tuple[int, int, int]]],
                                            terms: set[str], first: int | None,
                                            chunk_terms: int) -> None:
    given_spans = {t: [(p, s, s + n) for p, s, n in found] for t, found in spans.items()}
    raw = encode_vector(given_spans, 1, chunk_terms)
    expected = {t: [(s, e) for _, s, e in found][:first]
                for t, found in given_spans.items()}
    assert decode_vector(raw, None, first) == expected
    assert decode_vector(raw, terms, first) == {t: v for t, v in expected.items() if t in terms}


def test_a_snippet_decompresses_only_the_chunks_of_its_terms(
        monkeypatch: pytest.MonkeyPatch) -> None:
    spans = {f"w{i:04d}": [(i, 10 * i, 10 * i + 5)] for i in range(1000)}
    raw = encode_vector(spans, 1, chunk_terms=64)
    calls, decompress = [], zlib.decompress
    monkeypatch.setattr(vectors.zlib, "decompress",
                        lambda data: calls.append(1) or decompress(data))
    assert decode_vector(raw, ["w0500", "w0501", "nope"]) == {"w0500": [(5000, 5005)],
                                                              "w0501": [(5010, 5015)]}
    assert len(calls) == 2  # the chunk of both words, and the one where "nope" would be


@given(st.dictionaries(st.text(st.characters(blacklist_characters="\n",
                                             blacklist_categories=("Cs",)), min_size=1),
                       st.integers(1, 2**32 - 1), max_size=40))
def test_word_lists_decode_to_what_was_encoded(found: dict[str, int]) -> None:
    words = sorted(word.encode("utf-8") for word in found)
    counts = [found[word.decode("utf-8")] for word in words]
    blob, starts, counts_read = wordlists.decode(wordlists.encode(words, counts))
    assert [blob[starts[i]:starts[i + 1] - 1] for i in range(len(words))] == words
    assert counts_read.tolist() == counts


def test_a_cut_word_list_is_refused() -> None:
    data = wordlists.encode([b"kat", b"stad"], [1, 2])
    for cut in (data[:3], data[:-1], b"XXXX" + data[4:]):
        with pytest.raises(wordlists.WordListError):
            wordlists.decode(cut)


def test_every_segment_lists_the_words_of_its_term_index(tmp_path: Path) -> None:
    """Written by the bulk writer and by Whoosh's merge alike, a segment's word list holds
    what a scan of its term index finds (suggest.py reads the list instead)."""
    from searchd.config import config_from_dict
    from searchd.index import open_index
    from searchd.schema import WORDS
    from searchd.storage import SearchdWriter, field_terms, word_list
    from searchd.sync import sync_index

    from .conftest import DOCS, write_seeds

    config = config_from_dict({}, tmp_path)
    write_seeds(config.seeds, DOCS)
    sync_index(config)
    for n in range(3):
        write_seeds(config.seeds, {f"extra{n}.txt": f" date 2019-01 Extra\n\nDe olifant {n}."})
        sync_index(config, merge=False)
    with open_index(config.index).reader() as reader:
        assert len(list(reader.leaf_readers())) == 4  # written by the bulk writer
    SearchdWriter(open_index(config.index)).commit(optimize=True)  # Whoosh's merge
    with open_index(config.index).reader() as reader:
        segments = [segment for segment, _ in reader.leaf_readers()]
        assert len(segments) == 1
        for segment in segments:
            listed = word_list(segment)
            assert listed is not None
            blob, starts, counts = listed
            words = [blob[starts[i]:starts[i + 1] - 1] for i in range(len(counts))]
            assert list(zip(words, counts.tolist())) == list(field_terms(segment, WORDS))


def test_pread_files_read_as_whooshs_do(tmp_path: Path) -> None:
    """A file read with os.pread (pread.py) gives what Whoosh's StructFile over a real file
    and its SubFile parts give: reads, seeks, lines, pickles, arrays and parts of parts."""
    import pickle
    from array import array

    from whoosh.filedb.structfile import StructFile

    from searchd.storage.pread import PreadStructFile, open_pread

    data = b"header\nsecond line\n" + pickle.dumps({"a": [1, 2]}, protocol=0) + bytes(range(256))
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    ours = open_pread(str(path), "f.bin")
    theirs = StructFile(path.open("rb"))
    assert isinstance(ours, PreadStructFile)
    for f in (ours, theirs):
        assert f.file.readline() == b"header\n"
        assert f.file.readline(4) == b"seco"
        assert f.file.read(8) == b"nd line\n"
        assert f.read_pickle() == {"a": [1, 2]}
    assert ours.tell() == theirs.tell()
    assert ours.get(3, 10) == theirs.get(3, 10) == data[3:13]
    assert ours.get(len(data) - 2, 10) == data[-2:]
    for start, length in ((0, len(data)), (7, 40), (len(data) - 256, 256)):
        mine, whooshs = ours.subset(start, length), theirs.subset(start, length)
        assert mine.read(length + 5) == whooshs.read(length + 5) == data[start:start + length]
        assert mine.get(2, 3) == whooshs.get(2, 3)
        assert mine.subset(1, 4).get(0, 10) == data[start + 1:start + 5]
        assert (mine.get_array(0, "B", 4) == whooshs.get_array(0, "B", 4)
                == array("B", data[start:start + 4]))
        mine.seek(-3, 2)
        assert mine.read() == data[start + length - 3:start + length]
        mine.close()  # a part does not close the file
    assert ours.get(0, 6) == b"header"
    ours.close()
    theirs.close()
    with pytest.raises(OSError):
        ours.source.get(0, 1)  # the descriptor is closed


def test_an_index_is_read_with_pread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from whoosh.query import Term

    from searchd.config import config_from_dict
    from searchd.index import open_index
    from searchd.storage import files, pread
    from searchd.storage.pread import PreadStructFile
    from searchd.sync import sync_index

    from .conftest import DOCS, write_seeds

    seeds = write_seeds(tmp_path / "seeds", DOCS)
    config = config_from_dict({"paths": {"seeds": str(seeds), "index": str(tmp_path / "ix")}},
                              tmp_path)
    sync_index(config)
    opened: list[str] = []
    real_open = pread.open_pread

    def spy(path: str, name: str, **kwargs: Any) -> PreadStructFile:
        opened.append(name)
        return real_open(path, name, **kwargs)

    monkeypatch.setattr(pread, "open_pread", spy)
    monkeypatch.setattr(files, "open_pread", spy)
    ix = open_index(config.index)
    with ix.searcher() as searcher:
        titles = {fields["title"] for fields in searcher.all_stored_fields()}
        assert "Fietsen in de stad" in titles
        assert [hit["title"] for hit in searcher.search(Term("body", "fiets"))] == \
            ["Fietsen in de stad"]
    assert any(name.endswith(".seg") for name in opened)  # the segment, read with pread
