"""Every file of the seeds folder accounted for, from the manifest of the active index: the
documents indexed per format, the files skipped per kind of reason, and the skipped files
themselves with their reasons (for `searchd stats`, /healthz and the owner's page)."""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import manifest
from .formats import format_of
from .index import current_indexname

MAX_LISTED = 500  # skipped files named one by one
# (kind, a phrase its reasons hold), in the order they are tried
KINDS = (("unsupported", "unsupported:"), ("encrypted", "encrypted"),
         ("no text", "without text"), ("too large", "larger than"),
         ("zip bomb", "zip bomb"), ("too slow", " s to read"), ("too slow", "of CPU"),
         ("too much memory", "memory"), ("damaged", "damaged"), ("damaged", "cannot be read"),
         ("unreadable", "cannot read"), ("not a file", "not a regular file"),
         ("empty", "empty file"), ("binary", "binary file"), ("outside link", "symbolic link"),
         ("bad name", "not valid UTF-8"))


def kind_of(reason: str) -> str:
    """The kind of a skip reason (KINDS), "other" when none fits."""
    return next((kind for kind, phrase in KINDS if phrase in reason), "other")


@dataclass(frozen=True)
class Accounts:
    """Documents indexed per format, files skipped per kind, and the skipped files."""

    indexed: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    files: tuple[tuple[str, str], ...] = ()  # (id, reason): the first MAX_LISTED

    def to_dict(self, listed: bool = True) -> dict[str, Any]:
        shape: dict[str, Any] = {"indexed": self.indexed, "skipped": self.skipped}
        if listed:
            shape["skipped_files"] = [{"id": i, "reason": r} for i, r in self.files]
        return shape


_cache: dict[str, tuple[tuple[str, int], Accounts]] = {}
_lock = threading.Lock()


def accounts(index_dir: Path) -> Accounts:
    """The accounts of the active index of index_dir (read again when its manifest
    changed); empty ones when there is no index or manifest."""
    name = current_indexname(index_dir)
    if name is None:
        return Accounts()
    db = manifest.path(index_dir, name)
    try:
        stamp = (name, os.stat(db).st_mtime_ns)
    except OSError:
        stamp = (name, 0)
    with _lock:
        cached = _cache.get(str(index_dir))
        if cached is not None and cached[0] == stamp:
            return cached[1]
    found = manifest.load(index_dir, name)
    made = _count(found.files if found is not None else {})
    with _lock:
        _cache[str(index_dir)] = (stamp, made)
    return made


def _count(files: dict[str, manifest.FileState]) -> Accounts:
    indexed: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    listed: list[tuple[str, str]] = []
    for doc_id, state in sorted(files.items()):
        if state.skipped:
            skipped[kind_of(state.skipped)] += 1
            if len(listed) < MAX_LISTED:
                listed.append((doc_id, state.skipped))
        else:
            indexed[format_of(doc_id) or "txt"] += 1
    return Accounts(dict(indexed.most_common()), dict(skipped.most_common()), tuple(listed))
