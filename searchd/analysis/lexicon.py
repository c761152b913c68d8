"""The Dutch lexicon: lemmas with frequencies and parts of speech, inflected forms -> lemma.

Built by scripts/build_lexicon.py from spaCy's Dutch lookup tables (MIT) and wordfreq's Dutch
frequencies (CC BY-SA 4.0); see the README. Loaded once, on first use.

A query needs the lemmas of a few words, an indexer those of hundreds of thousands: the tables
start as the sorted text of the file, searched by bisection (a command-line search starts in
0.05 s instead of 0.4 s, and a server keeps 8 MB instead of 80 MB of dicts); expand() turns
them into dicts for indexing.
"""

from __future__ import annotations

import gzip
import struct
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from importlib import resources
from itertools import islice, takewhile
from pathlib import Path
from typing import Any, Protocol, cast

from .spelling import verb_stem

_DATA = "lexicon-nl.tsv.gz"
_PLAIN = "lexicon-nl.tsv"  # its unpacked copy, made by unpack() (not in git)
# Repairs of the lookup tables, like Elasticsearch's stemmer_override: word -> lemma.
OVERRIDES: dict[str, str] = {
    "wet": "wet",  # the law; the table reads it as an archaic form of weten
}
_lock = threading.Lock()
MAX_REMEMBERED = 1 << 16  # look-ups a SortedTable remembers (a few MB)
WINDOW = 4096  # bytes of lines between two keys of a SortedTable's sparse index
_lexicon: Lexicon | None = None


class Table(Protocol):
    """A read-only str -> str mapping: a dict or a SortedTable."""

    def get(self, key: str) -> str | None: ...  # noqa: E704

    def __contains__(self, key: object) -> bool: ...  # noqa: E704


class SortedTable:
    """Look-ups in sorted "key<TAB>value" lines (UTF-8, whose byte order is the order of
    code points) by bisection, without building a dict. Kept as bytes: as str, one accented
    letter makes Python store every character in two bytes (16 MB instead of 8)."""

    def __init__(self, block: bytes) -> None:
        lines = block.strip(b"\n")
        self.block = b"\n" + lines + b"\n" if lines else b"\n"  # lines between newlines
        # Keys looked up before, with what was found: a search asks about the same Dutch
        # words again and again.
        self._found: dict[bytes, bytes | None] = {}
        self._starts, self._keys = self._sparse_index()

    def _sparse_index(self) -> tuple[list[int], list[bytes]]:
        """About every WINDOW bytes, the newline a line starts after and that line's key
        (a few thousand of them): a look-up bisects the keys in C and then searches one
        window for its line, where a bisection of the lines took tens of microseconds."""
        text, starts, keys, pos = self.block, [], [], 0
        while pos < len(text) - 1:
            end = text.index(b"\n", pos + 1)
            tab = text.find(b"\t", pos + 1, end)
            starts.append(pos)
            keys.append(text[pos + 1:end if tab < 0 else tab])
            pos = text.find(b"\n", pos + WINDOW)
            if pos < 0:
                break
        return starts, keys

    def get(self, key: str) -> str | None:
        """The value of key, or None."""
        found = self._find(_utf8(key))
        return None if found is None else found.decode("utf-8", "surrogatepass")

    def _find(self, key: bytes) -> bytes | None:
        """The value of key, or None (remembered for the next look-up of key)."""
        try:
            return self._found[key]
        except KeyError:
            pass
        if len(self._found) >= MAX_REMEMBERED:
            self._found.clear()
        found = self._found[key] = self._look_up(key)
        return found

    def _look_up(self, key: bytes) -> bytes | None:
        """The value of key, or None: its line starts after a newline of the window whose
        first key is the last one not after it (the next window's first key is after it)."""
        i = bisect_right(self._keys, key) - 1
        if i < 0:
            return None
        lo = self._starts[i]
        hi = self._starts[i + 1] if i + 1 < len(self._starts) else len(self.block) - 1
        text = self.block
        at = text.find(b"\n" + key + b"\t", lo, hi)  # (its tab is before the newline at hi)
        if at >= 0:
            value = at + len(key) + 2
            return text[value:text.index(b"\n", value)]
        # a line without a value: key, then the next newline (hi at the latest)
        return b"" if text.find(b"\n" + key + b"\n", lo, hi + 1) >= 0 else None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(_utf8(key)) is not None

    def keys_from(self, prefix: str) -> list[str]:
        """The keys that start with prefix, in order."""
        key = _utf8(prefix)
        start, end = self._line_at(key), self._line_at(key + b"\xff")
        lines = self.block[start + 1:end].split(b"\n")
        return [line.split(b"\t", 1)[0].decode("utf-8", "surrogatepass")
                for line in lines if line]

    def _line_at(self, key: bytes) -> int:
        """The newline before the first line whose key sorts at or after key."""
        text, lo, hi = self.block, 0, len(self.block) - 1
        while lo < hi:
            start = text.rfind(b"\n", lo, (lo + hi) // 2 + 1)
            end = text.find(b"\n", start + 1)
            if text[start + 1:end].split(b"\t", 1)[0] < key:
                lo = end
            else:
                hi = start
        return lo

    def to_dict(self) -> dict[str, str]:
        """All pairs as a dict (fast look-ups, 10 times the memory)."""
        return _pairs(self.block.strip(b"\n").decode("utf-8", "surrogatepass"))


class Lexicon:
    """Lemmas (word -> "<zipf x 10><pos letters>"), forms (inflected word -> lemma) and
    other frequent words (names: word -> "<zipf x 10>")."""

    def __init__(self, words: Table, forms: Table, other: Table) -> None:
        self.words, self.forms, self.other = words, forms, other
        self._keys: dict[str, list[str]] = {}  # an expanded table's keys, in order
        self.derived: dict[str, Any] = {}  # what other stages compute from the tables

    @property
    def expanded(self) -> bool:
        """True once the tables are dicts (expand())."""
        return isinstance(self.words, dict)

    def expand(self) -> None:
        """Replace sorted tables by dicts (before analysing many documents)."""
        for name in ("words", "forms", "other"):
            table = getattr(self, name)
            if isinstance(table, SortedTable):
                setattr(self, name, table.to_dict())
        self.derived.clear()

    def words_from(self, prefix: str) -> list[str]:
        """The lemmas and inflected forms that start with prefix."""
        found: set[str] = set()
        for name in ("words", "forms"):
            table = getattr(self, name)
            if isinstance(table, SortedTable):
                found.update(table.keys_from(prefix))
            else:  # a dict of an expanded table: bisect its keys (a scan took 150 ms)
                keys = self._keys.get(name)
                if keys is None:
                    keys = self._keys[name] = list(table)  # sorted: made from a sorted table
                start = bisect_left(keys, prefix)
                found.update(takewhile(lambda k: k.startswith(prefix), islice(keys, start, None)))
        return sorted(found)

    def words_sized(self, prefix: str, shortest: int, longest: int) -> list[str]:
        """The lemmas and inflected forms that start with a two-letter prefix and have
        shortest..longest letters. Each prefix's words are read once and kept grouped by
        length as packed text (all prefixes together: the size of the tables' keys), so a
        look-up decodes only the lengths it asks for (all words of a prefix: 1.5-3 ms)."""
        groups: dict[str, dict[int, str]] = self.derived.setdefault("by length", {})
        sized = groups.get(prefix)
        if sized is None:
            by_length: dict[int, list[str]] = {}
            for word in self.words_from(prefix):
                by_length.setdefault(len(word), []).append(word)
            sized = groups[prefix] = {n: "\n".join(ws) for n, ws in by_length.items()}
        return [w for n in range(shortest, longest + 1) if n in sized
                for w in sized[n].split("\n")]

    def zipf(self, word: str) -> float:
        """Frequency of a lemma or other frequent word on the Zipf scale (0 when unknown)."""
        entry = self.words.get(word) or self.other.get(word)
        return _zipf_of(entry) if entry else 0.0

    def pos(self, word: str) -> str:
        """Parts of speech of a lemma: letters from n (noun), a (adjective), v (verb)."""
        entry = self.words.get(word)
        return _pos_of(entry) if entry else ""

    def lemma_frequencies(self) -> Iterator[tuple[str, float]]:
        """Every lemma that has a part of speech, with its Zipf frequency (a scan of the
        whole table: meant for an expanded lexicon)."""
        table = self.words
        words = table if isinstance(table, dict) else cast(SortedTable, table).to_dict()
        return ((word, _zipf_of(entry)) for word, entry in words.items()
                if entry and not entry.isdigit())  # (_pos_of(entry), faster in a scan)

    def lemma(self, word: str) -> str | None:
        """The lemma of a known word, else None.

        A noun that is also a form of a rarer verb, or the verb's first person, stays itself
        (school is not read as schuilen's past tense, oog not as a form of ogen); so does an
        adjective more frequent than what the table reads it as (gezond is not zonnen's
        participle, nor geschikt schikken's); schreef, no more frequent than schrijven, is
        read as its past tense. OVERRIDES repairs the table's mistakes.
        """
        target = OVERRIDES.get(word) or self.forms.get(word)
        if target is None:
            return word if word in self.words else None
        own = self.pos(word)
        noun_of_verb = "n" in own and "v" in self.pos(target)
        if (noun_of_verb or "a" in own) and (
                self.zipf(word) > self.zipf(target) or word == _ik_form(target)):
            return word
        return target


def lexicon() -> Lexicon:
    """The shared lexicon, loaded on first use."""
    global _lexicon
    if _lexicon is None:
        with _lock:
            if _lexicon is None:
                _lexicon = _load()
    return _lexicon


def expanded_lexicon() -> Lexicon:
    """The shared lexicon with dict tables: for indexing (and before forking workers)."""
    lex = lexicon()
    with _lock:
        lex.expand()
    return lex


def _load() -> Lexicon:
    """Read the packaged lexicon file (three blocks of sorted tab-separated pairs), from its
    unpacked copy when there is a good one (gunzip takes 50 ms of a command's start)."""
    data = resources.files(__package__).joinpath("data")
    packed = data.joinpath(_DATA).read_bytes()
    plain = data.joinpath(_PLAIN)
    raw = plain.read_bytes() if plain.is_file() else b""
    if len(raw) != _unpacked_size(packed):  # none, stale or cut short
        raw = gzip.decompress(packed)
    words_block, _, rest = raw.partition(b"\n#forms\n")
    forms_block, _, other_block = rest.partition(b"\n#other\n")
    return Lexicon(SortedTable(words_block), SortedTable(forms_block),
                   SortedTable(other_block))


def unpack() -> Path:
    """Write the unpacked copy of the lexicon beside the packed one (`make` does, like
    compiling bytecode); the copy is used while its size matches the packed file's."""
    packed = Path(str(resources.files(__package__).joinpath("data", _DATA)))
    target = packed.with_name(_PLAIN)
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(gzip.decompress(packed.read_bytes()))
    temporary.replace(target)
    return target


def _unpacked_size(packed: bytes) -> int:
    """The size of the unpacked data, from the gzip trailer (modulo 4 GiB)."""
    return struct.unpack("<I", packed[-4:])[0]


def _zipf_of(entry: str) -> float:
    """The Zipf frequency of a lemma's entry ("<zipf x 10><pos letters>")."""
    return int(entry.rstrip("nav")) / 10


def _pos_of(entry: str) -> str:
    """The parts of speech of a lemma's entry."""
    return entry.lstrip("0123456789")


def _ik_form(infinitive: str) -> str:
    """The first person of a regular verb, roughly: ogen -> oog, tafelen -> tafel."""
    return verb_stem(infinitive)


def _utf8(key: str) -> bytes:
    """key as UTF-8; a lone surrogate (a command-line argument's undecodable byte) is
    kept, so that such a key is simply not found."""
    return key.encode("utf-8", "surrogatepass")


def _pairs(block: str) -> dict[str, str]:
    """"a\\tb\\nc\\td" -> {"a": "b", "c": "d"}."""
    items = block.replace("\t", "\n").split("\n")
    if items and items[-1] == "":
        items.pop()
    return dict(zip(items[::2], items[1::2]))
