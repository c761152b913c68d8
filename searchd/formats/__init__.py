"""The formats of documents people have, each read into one shape (Extracted): its text,
and what its own metadata says of its title, month, author and language.

One module per format, each with `extract(data: bytes) -> Extracted` that raises
SeedError with a reason a user can act on (encrypted, no text in it, damaged); a new
format is one module and one line of FORMATS. The seed `.txt` format is read by
documents.py as before. Extraction of anything but text runs in a process of its own with
a time and memory limit (isolation.py), so a hostile file harms nothing else.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

FORMATS = {  # suffix (in any case) -> format
    ".txt": "txt", ".pdf": "pdf", ".docx": "docx", ".odt": "odt", ".html": "html",
    ".htm": "html", ".xhtml": "html", ".md": "markdown", ".markdown": "markdown",
    ".eml": "email",
}
CODES = ("txt", "pdf", "docx", "odt", "html", "markdown", "email")  # a format's number
LABELS = {"txt": "tekst", "pdf": "PDF", "docx": "Word", "odt": "OpenDocument",
          "html": "HTML", "markdown": "Markdown", "email": "e-mail"}


@dataclass(frozen=True)
class Extracted:
    """What a document of some format holds: its text (paragraphs apart by blank lines)
    and, where its metadata says so, its title, month (YYYY-MM), author and language."""

    text: str
    title: str = ""
    month: str | None = None
    author: str = ""
    language: str = ""
    checksum: str = ""  # of the bytes it was extracted from (set by the reader process)


def format_of(name: str) -> str | None:
    """The format of a file by the suffix of its name (any case), None when unsupported."""
    dot = name.rfind(".")
    return FORMATS.get(name[dot:].lower()) if dot > 0 else None


def extractor(fmt: str) -> Callable[[bytes], Extracted]:
    """The extract function of a format other than txt (its module, imported on use)."""
    module = importlib.import_module(f"{__name__}.{_MODULES[fmt]}")
    extract: Callable[[bytes], Extracted] = module.extract
    return extract


_MODULES = {"pdf": "pdf", "docx": "docx", "odt": "odt", "html": "html",
            "markdown": "markdown", "email": "mail"}
