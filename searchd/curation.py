"""What the owner curates on the admin page: synonyms (groups of words searched as one) and
pinned results (this document first for this query), kept in files beside the config, with
a log of who changed what when, and undo.

- synonyms.txt (or [search] synonyms): one group a line, "IS, Islamitische Staat";
- pins.json: {"query as typed, folded": ["document id", ...]};
- curation.log: a JSON line per change: time, who, what, the text before and after.

Each file is replaced atomically; a search stats them (a few microseconds) and reads them
again when they changed, so an edit applies to the next search in every server process,
without a restart or a reindex."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .config import Config
from .documents import read_regular
from .errors import SearchdError, SeedError
from .index import atomic_write

MAX_SYNONYM_LINES = 5_000
MAX_SYNONYM_LINE = 300      # characters
MAX_GROUP = 20              # words or phrases in a group
MAX_PINNED_QUERIES = 2_000
MAX_PINS = 10               # documents pinned to one query
MAX_QUERY = 200             # characters of a pinned query
MAX_FILE = 4 << 20          # bytes of a curation file read
LOG_KEPT = 200              # changes the log keeps (and undo can reach)


class CurationError(SearchdError):
    """A curation edit that cannot be taken (its Dutch reason is its message)."""

    code = "curation"


@dataclass(frozen=True)
class Change:
    """One logged change."""

    at: float
    who: str
    what: str        # "synonyms" or "pins"
    before: str
    after: str
    note: str = ""


def folder_of(config: Config) -> Path:
    """Where the curation files live: beside the config file (the index's parent folder
    without one)."""
    return config.source.parent if config.source is not None else config.index.parent


class Curation:
    """The curation files of a config."""

    def __init__(self, config: Config) -> None:
        here = folder_of(config)
        self.synonyms_file = config.synonyms or here / "synonyms.txt"
        self.pins_file = here / "pins.json"
        self.log_file = here / "curation.log"

    def version(self) -> tuple[tuple[int, int], ...]:
        """What changes when a curation file changes (its size and modification time)."""
        found = []
        for path in (self.synonyms_file, self.pins_file):
            try:
                st = os.stat(path)
                found.append((st.st_size, st.st_mtime_ns))
            except OSError:
                found.append((-1, 0))
        return tuple(found)

    def synonyms_text(self) -> str:
        return _read(self.synonyms_file)

    def pins(self) -> dict[str, list[str]]:
        text = _read(self.pins_file)
        try:
            found = json.loads(text) if text.strip() else {}
        except ValueError:
            return {}
        if not isinstance(found, dict):
            return {}
        return {str(q): [str(d) for d in ids][:MAX_PINS] for q, ids in found.items()
                if isinstance(ids, list)}

    def set_synonyms(self, text: str, who: str) -> None:
        """Replace the synonyms (checked: CurationError naming the first bad line)."""
        tidy = check_synonyms(text)
        self._write("synonyms", self.synonyms_file, self.synonyms_text(), tidy, who,
                    "synoniemen gewijzigd")

    def set_pins(self, pins: dict[str, list[str]], who: str, note: str = "") -> None:
        """Replace the pins (queries folded; at most MAX_PINS documents a query)."""
        if len(pins) > MAX_PINNED_QUERIES:
            raise CurationError(f"Ten hoogste {MAX_PINNED_QUERIES} vastgezette zoekopdrachten.")
        text = json.dumps({q: ids for q, ids in sorted(pins.items()) if ids},
                          ensure_ascii=False, indent=1) + "\n"
        self._write("pins", self.pins_file, _read(self.pins_file), text, who, note)

    def history(self, limit: int = 20) -> list[Change]:
        """The latest changes, newest first."""
        changes = []
        for line in reversed(_read(self.log_file).splitlines()):
            try:
                changes.append(Change(**json.loads(line)))
            except (ValueError, TypeError):
                continue
            if len(changes) >= limit:
                break
        return changes

    def undo(self, who: str) -> Change | None:
        """Put back what the latest change replaced (an undo is logged, and undone, like
        any change); None when there is nothing to undo."""
        latest = next(iter(self.history(1)), None)
        if latest is None:
            return None
        target = self.synonyms_file if latest.what == "synonyms" else self.pins_file
        self._write(latest.what, target, _read(target), latest.before, who,
                    f"ongedaan: {latest.note or latest.what}")
        return latest

    def _write(self, what: str, target: Path, before: str, after: str, who: str,
               note: str = "") -> None:
        if before == after:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, after)
        entry = Change(time.time(), who[:100], what, before, after, note[:200])
        lines = _read(self.log_file).splitlines()[-(LOG_KEPT - 1):]
        lines.append(json.dumps(entry.__dict__, ensure_ascii=False))
        atomic_write(self.log_file, "\n".join(lines) + "\n")


def check_synonyms(text: str) -> str:
    """The synonyms text tidied (one group a line, members trimmed); CurationError (in
    Dutch) naming the first line that is not a group of 2 to MAX_GROUP members."""
    lines = text.replace("\r\n", "\n").split("\n")
    if len(lines) > MAX_SYNONYM_LINES:
        raise CurationError(f"Ten hoogste {MAX_SYNONYM_LINES} regels synoniemen.")
    kept = []
    for number, line in enumerate(lines, 1):
        body, _, comment = line.partition("#")
        if len(line) > MAX_SYNONYM_LINE:
            raise CurationError(f"Regel {number} is langer dan {MAX_SYNONYM_LINE} tekens.")
        if not line.isprintable():
            raise CurationError(f"Regel {number} bevat tekens die niet afdrukbaar zijn.")
        members = [m.strip() for m in body.split(",") if m.strip()]
        if not members:
            kept.append(line.strip())
            continue
        if not 2 <= len(members) <= MAX_GROUP:
            raise CurationError(f"Regel {number} ({line.strip()[:60]!r}) moet 2 tot "
                                f"{MAX_GROUP} woorden of woordgroepen hebben, gescheiden "
                                "door komma's.")
        if any('"' in m or m.upper() in ("OR", "AND", "NOT", "OF", "EN", "NIET")
               for m in members):
            raise CurationError(f"Regel {number}: een synoniem is een woord of woordgroep, "
                                "zonder aanhalingstekens of zoekoperatoren.")
        kept.append(", ".join(members) + (f"  #{comment}" if comment.strip() else ""))
    return "\n".join(kept).strip() + "\n" if any(kept) else ""


def pinned(result: Any, ids: list[str] | None, hits_of: Any) -> Any:
    """result (a SearchResult) with the documents pinned to its query first on its first
    page (a pinned document that matched anyway moves up; the page keeps its length) and
    left out of later pages; result itself when nothing is pinned to it."""
    if not ids:
        return result
    others = [h for h in result.hits if h.id not in ids]
    if result.page > 1:
        return replace(result, hits=others)
    first = [h for h in hits_of(ids)]
    extra = sum(1 for h in first if h.id not in {o.id for o in result.hits})
    return replace(result, hits=(first + others)[:result.limit], total=result.total + extra)


def fold_query(text: str) -> str:
    """A query as pins are keyed: lowercase, spaces collapsed."""
    return " ".join(text.casefold().split())[:MAX_QUERY]


def _read(path: Path) -> str:
    try:
        return read_regular(path, MAX_FILE).decode("utf-8", "replace")
    except (OSError, SeedError):
        return ""


def as_dict(change: Change) -> dict[str, Any]:
    return dict(change.__dict__)
