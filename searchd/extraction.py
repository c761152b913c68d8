"""Documents of other formats than .txt, extracted for a sync: ahead of its reading, several
at once (formats/isolation.py), and each content once. What a file came to (its text and
metadata, or why it cannot be read) is kept by its format and checksum in the index folder
(EXTRACTED/), so a rebuild, a renamed or a copied file, or a touched one is not extracted
again; a sync forgets what no file holds any more."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
from pathlib import Path

from .documents import Extract, checksum, read_regular
from .errors import SeedError
from .formats import Extracted, format_of
from .formats.isolation import MAX_FILE_BYTES, Outcome, extract_files

EXTRACTED = "extracted"  # the folder of kept extractions, in the index folder
AHEAD_CHARS = 32 * 1024 * 1024  # characters of text extracted ahead at most (20 documents of
#                                 16 million characters each, ahead at once, took 1.8 GB)


def extract_ahead(jobs: list[tuple[str, Path]], extractors: int,
                  folder: Path | None) -> dict[Path, Outcome]:
    """What each document among jobs that is not .txt came to: kept in folder (when
    given) or extracted now, `extractors` at a time."""
    found: dict[Path, Outcome] = {}
    todo: dict[str, tuple[str, Path]] = {}
    for _, path in jobs:
        fmt = format_of(path.name)
        if fmt in (None, "txt"):
            continue
        key = _key(fmt, path)
        kept = _kept(folder, key) if folder is not None and key else None
        if kept is not None:
            found[path] = kept
        else:
            todo[str(path)] = (key, path)
    held = 0
    for name, outcome in extract_files([(n, format_of(p.name) or "", p)
                                        for n, (_, p) in todo.items()], extractors):
        key, path = todo[name]
        found[path] = outcome
        held += len(outcome.text) if isinstance(outcome, Extracted) else 0
        if isinstance(outcome, Extracted) and outcome.checksum:  # (what was read)
            key = f"{format_of(path.name)}-{outcome.checksum}"
        if folder is not None and key:
            _keep(folder, key, outcome)
        if held > AHEAD_CHARS:  # (the rest is extracted when its turn comes)
            break
    return found


def taken(extracted: dict[Path, Outcome]) -> Extract:
    """The extract function read_seed calls: the extraction made ahead (or made now)."""
    def extract(fmt: str, path: Path) -> Extracted:
        found = extracted.pop(path, None)
        if found is None:
            found = next(o for _, o in extract_files([(str(path), fmt, path)], 1))
        if isinstance(found, SeedError):
            raise found
        return found
    return extract


def forget_others(folder: Path, kept: set[str]) -> int:
    """Delete the kept extractions whose checksum is not in kept; how many."""
    removed = 0
    try:
        entries = list(os.scandir(folder / EXTRACTED))
    except OSError:
        return 0
    for entry in entries:
        if entry.name.split("-", 1)[-1].split(".", 1)[0] not in kept:
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:
                pass
    return removed


def _key(fmt: str, path: Path) -> str:
    """The key of a file's extraction: its format and the checksum of its bytes ("" when
    it cannot be read now: it is extracted, and the extraction says why)."""
    try:
        return f"{fmt}-{checksum(read_regular(path, MAX_FILE_BYTES))}"
    except (OSError, SeedError):
        return ""


def _kept(folder: Path, key: str) -> Outcome | None:
    try:
        answer = json.loads(gzip.decompress((folder / EXTRACTED / f"{key}.json.gz")
                                            .read_bytes()))
        return SeedError(answer["error"]) if "error" in answer else Extracted(**answer)
    except (OSError, ValueError, TypeError, KeyError, EOFError):
        return None  # (none kept, or damaged: extracted again)


def _keep(folder: Path, key: str, outcome: Outcome) -> None:
    """Keep an outcome (written to a temporary file and renamed: never half a file); a
    full disk only means it is extracted again next time."""
    answer = {"error": str(outcome)} if isinstance(outcome, SeedError) else \
        dataclasses.asdict(outcome)
    target = folder / EXTRACTED / f"{key}.json.gz"
    temporary = target.with_name(f".{key}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(exist_ok=True)
        temporary.write_bytes(gzip.compress(json.dumps(answer, ensure_ascii=False).encode(),
                                            compresslevel=5))
        os.replace(temporary, target)
    except OSError:
        temporary.unlink(missing_ok=True)
