"""Seed files -> Document records: the seed `.txt` format, and the documents of other
formats (formats/) as their extracted text and metadata. Knows nothing of Whoosh."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from . import months
from .analysis.tokenizer import vocabulary_end
from .errors import SeedError
from .formats import FORMATS, Extracted, format_of

SEED_SUFFIX = ".txt"
MAX_SEED_BYTES = 32 * 1024 * 1024
MAX_DISTINCT_WORDS = 250_000  # per document: 32 MB of Dutch laws hold 71,000
MAX_TITLE_CHARS = 1000  # a longer header line is cut there (a title shows in every result)
_HEADER = re.compile(r"^[ \t]*date(?:[ \t]|$)")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))  # not tab, newlines
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls


@dataclass(frozen=True)
class Document:
    """One seed file, parsed: the unit that is indexed and returned by searches."""

    id: str
    title: str
    month: str | None  # "YYYY-MM" (months.py), from the header's date
    body: str
    checksum: str
    format: str = "txt"  # formats.FORMATS
    author: str = ""     # from the document's metadata, where it says

    def to_dict(self) -> dict[str, str | None]:
        """The JSON shape of `searchd show --json` and /api/doc/<id>."""
        return {"id": self.id, "title": self.title, "date": self.month, "body": self.body,
                "format": self.format, "author": self.author}


@dataclass
class LoadedSeed:
    """A parsed document and the warnings (not errors) met while reading it."""

    document: Document
    warnings: list[str] = field(default_factory=list)


def list_seed_files(root: Path) -> Iterator[Path]:
    """Every document below root of a format searchd reads (subfolders included, sorted, no
    hidden files or folders)."""
    return (Path(path) for doc_id, path in scan_seeds(root) if format_of(doc_id))


def scan_seeds(root: Path,
               unreadable: list[tuple[str, str]] | None = None) -> Iterator[tuple[str, str]]:
    """Yield (document id, path) for every file below root (of any format: the caller
    tells those it reads from the others), sorted, quickly: plain
    strings and os.scandir, since a sync of a large folder does little else. A subfolder
    that vanishes during the scan is passed over (its files are gone); one that cannot be
    read is added to unreadable as (id prefix, reason)."""
    stack = [("", os.fspath(root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name, reverse=True)
        except OSError as exc:
            if not prefix:
                raise
            if not isinstance(exc, (FileNotFoundError, NotADirectoryError)) and \
                    unreadable is not None:
                unreadable.append((prefix, exc.strerror or str(exc)))
            continue
        for entry in listed:
            if hidden(entry.name):
                continue
            if _is_dir(entry):
                stack.append((f"{prefix}{entry.name}/", entry.path))
            else:
                yield f"{prefix}{entry.name}", entry.path


def hidden(name: str) -> bool:
    """True for a name a scan passes over: hidden (.name), an office program's lock file
    (~$name.docx) or an editor's backup (name~)."""
    return name.startswith((".", "~$")) or name.endswith("~")


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """True for a real folder (not a link to one); False when it vanished meanwhile."""
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def document_id(path: Path, root: Path) -> str:
    """The document id: the path relative to the seeds folder, with / separators."""
    return path.relative_to(root).as_posix()


def checksum(data: bytes) -> str:
    """A content fingerprint; a change of content is a change of document."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_seed(path: Path, root: Path, extract: Extract | None = None) -> LoadedSeed:
    """Read and parse one document (a seed .txt, or another format through extract, which
    extracts it in a limited process by default); SeedError if it cannot be a document,
    OSError if it cannot be read (gone, or an I/O error: the caller tells these apart)."""
    if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
        raise SeedError("a symbolic link to a file outside the seeds folder; not followed")
    fmt = format_of(path.name)
    if fmt is None:
        raise SeedError(unsupported(path.name))
    if fmt != "txt":
        return read_other(path, root, fmt, extract or _isolated)
    data = read_regular(path, MAX_SEED_BYTES)
    return parse_seed(data, document_id(path, root))


Extract = Callable[[str, Path], Extracted]


def _isolated(fmt: str, path: Path) -> Extracted:
    from .formats.isolation import extract_file

    return extract_file(fmt, path)


def read_other(path: Path, root: Path, fmt: str, extract: Extract) -> LoadedSeed:
    """A document of another format than .txt: its text and metadata as extract finds
    them; the title falls back to the file's name, the month to the file's time."""
    from .formats.isolation import MAX_FILE_BYTES

    try:
        found = extract(fmt, path)
    except SeedError as exc:
        exc.checksum = checksum(read_regular(path, MAX_FILE_BYTES))
        raise
    # (the checksum of the bytes the text came from: the file may have changed since)
    digest = found.checksum or checksum(read_regular(path, MAX_FILE_BYTES))
    warnings: list[str] = []
    text = _CONTROL.sub(" ", found.text.replace("\r\n", "\n"))
    end = vocabulary_end(text, MAX_DISTINCT_WORDS)
    if end is not None:
        text = text[:end].rstrip()
        warnings.append(f"more than {MAX_DISTINCT_WORDS:,} different words; the text from "
                        f"character {end:,} on is not indexed")
    month = found.month
    if month is None:
        stamp = time.localtime(path.stat().st_mtime)
        month = months.text(stamp.tm_year, stamp.tm_mon)
    title = _CONTROL.sub(" ", found.title)[:MAX_TITLE_CHARS] or path.stem.replace("_", " ")
    doc = Document(document_id(path, root), title, month, text, digest, fmt,
                   _CONTROL.sub(" ", found.author))
    return LoadedSeed(doc, warnings)


def unsupported(name: str) -> str:
    """The skip reason of a file of a format searchd does not read."""
    dot = name.rfind(".")
    kind = f"a {name[dot:].lower()} file" if dot > 0 else "a file without an extension"
    return f"unsupported: {kind}; searchd reads {', '.join(FORMATS)} files"


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most limit bytes; SeedError for anything else. It
    is opened without blocking (a FIFO would wait for a writer forever) and checked after
    opening (what was a file when the folder was scanned may be a FIFO or a device now)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    try:
        st = os.fstat(fd)
        kind = file_kind(st.st_mode)
        if kind is not None:
            raise SeedError(f"{kind}, not a regular file")
        if st.st_size > limit:
            raise SeedError(f"larger than {_in_words(limit)}")
        chunks, left = [], limit + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise SeedError(f"larger than {_in_words(limit)} (it grew while read)")
        return b"".join(chunks)
    finally:
        os.close(fd)


def open_original(root: Path, doc_id: str) -> BinaryIO:
    """The file of a document, open for reading (its download): only a regular file inside
    root, reached without leaving it; SeedError or OSError otherwise."""
    relative = Path(doc_id)
    if relative.is_absolute() or ".." in relative.parts:
        raise SeedError("not a document of the seeds folder")
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()):
        raise SeedError("a link to a file outside the seeds folder")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    kind = file_kind(os.fstat(fd).st_mode)
    if kind is not None:
        os.close(fd)
        raise SeedError(f"{kind}, not a regular file")
    return os.fdopen(fd, "rb")


def _in_words(size: int) -> str:
    """A size limit in words: "32 MB", "64 KB"."""
    return f"{size // (1 << 20)} MB" if size >= 1 << 20 else f"{size // 1024} KB"


def file_kind(mode: int) -> str | None:
    """None for a regular file, else what it is, in words (for a skip's reason)."""
    if stat.S_ISREG(mode):
        return None
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "a special file"


def valid_name(doc_id: str) -> bool:
    """False for a path that is not valid UTF-8 (os gives its bad bytes as lone
    surrogates): it cannot be a document id, a URL or a manifest key."""
    try:
        doc_id.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_seed(data: bytes, doc_id: str) -> LoadedSeed:
    """Parse the bytes of a seed file into a Document with its warnings."""
    warnings: list[str] = []
    text = decode_seed(data, warnings)
    if not text.strip():
        raise SeedError("empty file")
    if "\x00" in text:
        warnings.append("NUL bytes in the text; replaced by spaces")
    # each step copies the text only when it changes something (a 31 MB file's text is
    # 31-124 MB as a str: a copy a step peaked at 228 MB)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    first, _, rest = text.partition("\n")
    if _HEADER.match(first):
        month, title = parse_header(first, warnings)
        body = rest.strip("\n")
        if len(title) > MAX_TITLE_CHARS:  # shown in every result: the rest goes to the body
            cut = title.rfind(" ", 0, MAX_TITLE_CHARS + 1)
            cut = cut if cut > MAX_TITLE_CHARS // 2 else MAX_TITLE_CHARS
            title, more = title[:cut].rstrip(), title[cut:].strip()
            body = more + "\n\n" + body if body else more
            warnings.append(f"a title of more than {MAX_TITLE_CHARS} characters; the rest "
                            "starts the body")
        if not body.strip():
            warnings.append("no body after the header; only the title is searchable")
    else:
        warnings.append("no ' date YYYY-MM Title' header line; the whole file is the body")
        month, title, body = None, "", text.strip("\n")
    end = vocabulary_end(body, MAX_DISTINCT_WORDS)
    if end is not None:  # (made-up or garbled text: each new word costs memory and time)
        body = body[:end].rstrip()
        warnings.append(f"more than {MAX_DISTINCT_WORDS:,} different words; the text from "
                        f"character {end:,} on is not indexed")
    doc = Document(id=doc_id, title=title, month=month, body=body, checksum=checksum(data))
    return LoadedSeed(doc, warnings)


def decode_seed(data: bytes, warnings: list[str]) -> str:
    """Decode UTF-8 (BOM optional), UTF-16 with a BOM, else cp1252 with a warning."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        warnings.append("UTF-16 text; decoded")
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:8192] or _looks_binary(data[:8192]):
        raise SeedError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.append("not valid UTF-8; decoded as cp1252")
        return data.decode("cp1252", errors="replace")


def _looks_binary(head: bytes) -> bool:
    """True when the start of a file is mostly control bytes (images, archives)."""
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > 0.05


def parse_header(line: str, warnings: list[str]) -> tuple[str | None, str]:
    """Split ' date YYYY-MM Title' into ("YYYY-MM" or None, title)."""
    rest = _HEADER.sub("", line, count=1)
    word, _, title = rest.partition(" ")
    if not word:
        return None, title.strip()
    parsed = months.parse_header(word)
    if parsed is None:
        warnings.append(f"header date {word[:40]!r} is not YYYY-MM; indexed without a date")
        return None, title.strip()
    if isinstance(parsed, str):
        warnings.append(f"header date {word!r} is not a real month; indexed without a date")
        return None, title.strip()
    return months.text(*parsed), title.strip()
