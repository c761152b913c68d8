#!/usr/bin/env python3
"""Build searchd/analysis/data/lexicon-nl.tsv.gz, the Dutch lexicon of the analyzer.

Run by hand when the lexicon should change (it is committed; installs never run this):

    python3 -m venv /tmp/lex && /tmp/lex/bin/pip install wordfreq==3.1.1
    /tmp/lex/bin/pip download --no-deps -d /tmp/lex spacy-lookups-data==1.0.5
    /tmp/lex/bin/python scripts/build_lexicon.py /tmp/lex/spacy_lookups_data-1.0.5-py2.py3-none-any.whl

Sources (see the README's "Lexicon" section for the licences):
- lemmas, their parts of speech and inflected forms: spaCy's Dutch lookup tables
  (spacy-lookups-data 1.0.5, MIT licence): nl_lemma_lookup, nl_lemma_exc, nl_lemma_index;
- word frequencies (Zipf scale): wordfreq 3.1.1's Dutch "large" list (data CC BY-SA 4.0).

Output, tab-separated, folded (lowercase, no diacritics), alphabetic words only: first the
lemmas, one a line as `<word> <zipf x 10><pos letters: n, a, v>` (e.g. "stad 57n"), then a line
"#forms", then `<form> <lemma>` lines: an inflected form and its most frequent lemma, then a
line "#other", then `<word> <zipf x 10>` lines: frequent words that are no lemma (names such
as rotterdam), so that decompounding knows they are words of their own.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
import unicodedata
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "searchd" / "analysis" / "data" / "lexicon-nl.tsv.gz"
POS = {"noun": "n", "adj": "a", "verb": "v"}


def fold(word: str) -> str:
    """Lowercase, strip diacritics (the analyzer's folding)."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def load(wheel: zipfile.ZipFile, name: str) -> dict:
    """One gzipped JSON table of spacy-lookups-data."""
    return json.loads(gzip.decompress(wheel.read(f"spacy_lookups_data/data/{name}.json.gz")))


def main(wheel_path: str) -> None:
    """Write the lexicon file."""
    import wordfreq

    freqs = wordfreq.get_frequency_dict("nl", wordlist="large")
    zipf = {}
    for word, freq in freqs.items():
        key = fold(word)
        zipf[key] = max(zipf.get(key, 0.0), math.log10(freq * 1e9))
    wheel = zipfile.ZipFile(wheel_path)
    index, exc, lookup = (load(wheel, f"nl_lemma_{t}") for t in ("index", "exc", "lookup"))
    words: dict[str, set[str]] = {}
    for pos, lemmas in index.items():
        if pos in POS:
            for lemma in lemmas:
                key = fold(lemma)
                if key.isalpha():
                    words.setdefault(key, set()).add(POS[pos])
    candidates: dict[str, set[str]] = {}
    for pos, table in exc.items():
        if pos in POS:
            for form, lemmas in table.items():
                candidates.setdefault(fold(form), set()).update(fold(x) for x in lemmas)
    for form, lemma in lookup.items():
        candidates.setdefault(fold(form), set()).add(fold(lemma))
    # A form may belong to several lemmas (leden: lid, lijden); prefer the more frequent
    # lemma, then the one with the most forms (schreven: schrijven, not the noun schreef).
    fan_in: dict[str, int] = {}
    for lemmas in candidates.values():
        for lemma in lemmas:
            fan_in[lemma] = fan_in.get(lemma, 0) + 1
    lines = []
    for word in sorted(words):
        lines.append(f"{word}\t{round(zipf.get(word, 0.0) * 10)}{''.join(sorted(words[word]))}")
    lines.append("#forms")
    for form in sorted(candidates):
        lemmas = [x for x in candidates[form] if x.isalpha() and x != form]
        if form.isalpha() and lemmas:
            best = max(lemmas, key=lambda x: (x in words, round(zipf.get(x, 0.0), 1),
                                               fan_in.get(x, 0), x))
            lines.append(f"{form}\t{best}")
    lines.append("#other")
    for word in sorted(zipf):
        if word.isalpha() and word not in words and word not in candidates \
                and zipf[word] >= 3.0:
            lines.append(f"{word}\t{round(zipf[word] * 10)}")
    OUT.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
    print(f"{OUT}: {len(words)} lemmas, {len(lines) - len(words) - 2} forms and other words")


if __name__ == "__main__":
    main(sys.argv[1])
