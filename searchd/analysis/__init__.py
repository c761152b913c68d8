"""The Dutch analyzer: one pipeline, built once, used for indexing and for queries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from .analyzer import DutchAnalyzer, SurfaceWordsAnalyzer, surface_words

__all__ = ["ANALYSIS_VERSION", "AnalyzedToken", "DutchAnalyzer", "SurfaceWordsAnalyzer",
           "analysis_key", "analyze", "dutch_analyzer", "explain", "surface_words"]

# Bump when the analyzer's output changes: an index built by another version is rebuilt.
ANALYSIS_VERSION = 3


def analysis_key(stemmer: str, compounds: bool) -> str:
    """Names the analysis an index was built with; another key means a rebuild.

    It includes a fingerprint of the analysis code and lexicon, so that an upgrade that
    changes how words are analysed can never leave an index of stale terms behind."""
    mode = "compounds" if compounds else "plain"
    return f"v{ANALYSIS_VERSION}:{stemmer}:{mode}:{_fingerprint()}"


@lru_cache(maxsize=1)
def _fingerprint() -> str:
    """A short hash of this package's source files and data."""
    digest = hashlib.blake2b(digest_size=6)
    root = Path(__file__).parent
    for path in sorted([*root.glob("*.py"), *root.glob("data/*")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class AnalyzedToken:
    """One token as `searchd analyze` shows it."""

    text: str
    original: str
    position: int
    start: int
    end: int
    kind: str  # word, joined (a hyphenated word run together) or part (of a compound)


@cache
def dutch_analyzer(stemmer: str = "dutch_porter", compounds: bool = True) -> DutchAnalyzer:
    """The Dutch analyzer: tokenize, fold, drop stop words, lemmatize, split compounds."""
    return DutchAnalyzer(stemmer, compounds)


def analyze(text: str, stemmer: str = "dutch_porter", compounds: bool = True) -> list[str]:
    """The index terms of text, in order: what a document or a query is reduced to."""
    return [t.text for t in dutch_analyzer(stemmer, compounds)(text, mode="index")]


def explain(text: str, stemmer: str = "dutch_porter",
            compounds: bool = True) -> list[AnalyzedToken]:
    """The tokens of text with their positions and character offsets."""
    analyzer = dutch_analyzer(stemmer, compounds)
    tokens = analyzer(text, positions=True, chars=True, mode="index")
    return [AnalyzedToken(t.text, t.original, t.pos, t.startchar, t.endchar, t.kind)
            for t in tokens]

