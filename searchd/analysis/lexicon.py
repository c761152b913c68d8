"""The Dutch lexicon: lemmas with frequencies and parts of speech, inflected forms -> lemma.

Built by scripts/build_lexicon.py from spaCy's Dutch lookup tables (MIT) and wordfreq's Dutch
frequencies (CC BY-SA 4.0); see the README. Loaded once, on first use.
"""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass
from importlib import resources

_DATA = "lexicon-nl.tsv.gz"
# Repairs of the lookup tables, like Elasticsearch's stemmer_override: word -> lemma.
OVERRIDES: dict[str, str] = {
    "wet": "wet",  # the law; the table reads it as an archaic form of weten
}
_lock = threading.Lock()
_lexicon: Lexicon | None = None


@dataclass(frozen=True)
class Lexicon:
    """Lemmas (word -> "<zipf x 10><pos letters>"), forms (inflected word -> lemma) and
    other frequent words (names: word -> "<zipf x 10>")."""

    words: dict[str, str]
    forms: dict[str, str]
    other: dict[str, str]

    def zipf(self, word: str) -> float:
        """Frequency of a lemma or other frequent word on the Zipf scale (0 when unknown)."""
        entry = self.words.get(word) or self.other.get(word)
        return int(entry.rstrip("nav")) / 10 if entry else 0.0

    def pos(self, word: str) -> str:
        """Parts of speech of a lemma: letters from n (noun), a (adjective), v (verb)."""
        entry = self.words.get(word)
        return entry.lstrip("0123456789") if entry else ""

    def lemma(self, word: str) -> str | None:
        """The lemma of a known word, else None.

        A noun that is also a form of a rarer verb, or the verb's first person, stays itself
        (school is not read as schuilen's past tense, oog not as a form of ogen); schreef,
        no more frequent than schrijven, is read as its past tense. OVERRIDES repairs the table's mistakes.
        """
        target = OVERRIDES.get(word) or self.forms.get(word)
        if target is None:
            return word if word in self.words else None
        if "n" in self.pos(word) and "v" in self.pos(target) and (
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


def _load() -> Lexicon:
    """Parse the packaged lexicon file (two blocks of tab-separated pairs)."""
    raw = resources.files(__package__).joinpath("data", _DATA).read_bytes()
    text = gzip.decompress(raw).decode("utf-8")
    words_block, _, rest = text.partition("\n#forms\n")
    forms_block, _, other_block = rest.partition("\n#other\n")
    return Lexicon(_pairs(words_block), _pairs(forms_block), _pairs(other_block))


def _ik_form(infinitive: str) -> str:
    """The first person of a regular verb, roughly: ogen -> oog, tafelen -> tafel."""
    from .lemmas import verb_stem

    return verb_stem(infinitive)


def _pairs(block: str) -> dict[str, str]:
    """"a\\tb\\nc\\td" -> {"a": "b", "c": "d"}."""
    items = block.replace("\t", "\n").split("\n")
    if items and items[-1] == "":
        items.pop()
    return dict(zip(items[::2], items[1::2]))
