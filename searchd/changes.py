"""What changed in a seeds folder since its manifest: the files to (re)index and the
documents to delete, found by comparing each file's stat with what the manifest recorded.
A check of the whole folder, or of the files a watcher was told of."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from .documents import file_kind, hidden, scan_seeds, unsupported, valid_name
from .errors import SearchdError
from .formats import format_of
from .manifest import FileState, Manifest

MASS_DELETE_FROM = 100   # documents from which a check may not delete most of an index
MASS_DELETE_SHARE = 0.5  # ... more than this share of them
BAD_NAME = "the file name is not valid UTF-8; rename it to have it indexed"


@dataclass
class Plan:
    """Which seed files to (re)index and which document ids to delete."""

    write: dict[str, Path] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # bytes of the files to write
    delete: set[str] = field(default_factory=set)
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (id, reason)
    # files of formats searchd does not read, new or changed: recorded, not read
    unsupported: dict[str, FileState] = field(default_factory=dict)


def plan_folder(seeds: Path, manifest: Manifest,
                keep: Callable[[str], bool] = lambda doc_id: True) -> Plan:
    """Compare the seeds folder with the (complete) manifest; only the files whose id keep
    is true of (a shard's, on a cluster) are looked at."""
    plan = Plan()
    seen: set[str] = set()
    unreadable: list[tuple[str, str]] = []
    for doc_id, path in scan_seeds(seeds, unreadable):
        if not keep(doc_id):
            continue
        if not valid_name(doc_id):
            plan.skipped.append((doc_id, BAD_NAME))
            continue
        seen.add(doc_id)
        if format_of(doc_id) is None:
            _unsupported(doc_id, path, manifest, plan)
            continue
        try:
            st = os.stat(path)
        except OSError as exc:
            plan.skipped.append((doc_id, f"cannot read: {exc.strerror or exc}"))
            continue
        _compare(doc_id, path, st, manifest, plan)
    if not seeds.is_dir():  # gone while it was read: what was not seen is not deleted
        raise SearchdError(f"the seeds folder {seeds} vanished during the sync; the index "
                           "is left as it was")
    if not seen and not unreadable and any(not f.skipped for f in manifest.files.values()):
        raise SearchdError(
            f"the seeds folder {seeds} holds no seed files, but the index has documents: "
            "none is deleted (an unmounted drive or share looks like this). If you removed "
            "them all on purpose, run `searchd index --rebuild`")
    plan.delete |= {doc_id for doc_id in set(manifest.files) - seen
                   if not any(doc_id.startswith(prefix) for prefix, _ in unreadable)}
    _check_mass_delete(seeds, plan, manifest)
    plan.skipped.extend((f"{prefix}*", f"folder cannot be read ({reason}); its documents "
                           "are kept as they were") for prefix, reason in unreadable)
    return plan


def _check_mass_delete(seeds: Path, plan: Plan, manifest: Manifest) -> None:
    """SearchdError when a check of the whole folder would delete most of a large index
    (an empty share mounted over the folder with one stray file in it did): nothing is
    deleted until the owner says so with a rebuild."""
    indexed = sum(not f.skipped for f in manifest.files.values())
    gone = sum(not manifest.files[d].skipped for d in plan.delete if d in manifest.files)
    if indexed >= MASS_DELETE_FROM and gone > MASS_DELETE_SHARE * indexed:
        raise SearchdError(
            f"the seeds folder {seeds} holds {len(plan.write) + plan.unchanged} of the "
            f"{indexed} documents the index has: {gone} would be deleted, so none is (an "
            "unmounted drive or share looks like this). If you removed them on purpose, run "
            "`searchd index --rebuild`")


def _compare(doc_id: str, path: str, st: os.stat_result, manifest: Manifest,
             plan: Plan) -> None:
    """Plan to write a seed file unless the manifest knows it with the same stat; a FIFO,
    socket or device is skipped (a former document of that name is deleted)."""
    kind = file_kind(st.st_mode)
    if kind is not None:
        plan.skipped.append((doc_id, f"{kind}, not a regular file; not read"))
        if manifest.get(doc_id) is not None:
            plan.delete.add(doc_id)
        return
    known = manifest.get(doc_id)
    if known is not None and known.same_stat(st):
        if known.skipped:
            plan.skipped.append((doc_id, known.skipped))
        else:
            plan.unchanged += 1
        return
    plan.write[doc_id] = Path(path)
    plan.sizes[doc_id] = st.st_size


def _unsupported(doc_id: str, path: str, manifest: Manifest, plan: Plan) -> None:
    """Account for a file of a format searchd does not read: skipped, with its type named,
    and recorded in the manifest (so that every file of the folder is in it) when new."""
    reason = unsupported(doc_id)
    plan.skipped.append((doc_id, reason))
    try:
        st = os.stat(path)
    except OSError:
        return
    known = manifest.get(doc_id)
    if known is None or not known.same_stat(st) or known.skipped != reason:
        plan.unsupported[doc_id] = FileState("", st.st_size, st.st_mtime_ns, st.st_ctime_ns,
                                             reason)


def seed_targets(seeds: Path, paths: Collection[str]) -> dict[str, Path] | None:
    """The files among paths (files a watcher was told of), by document id: those a scan
    of the folder would list, present or not. None when a path lies outside the
    seeds folder (then the whole folder is checked)."""
    targets: dict[str, Path] = {}
    for name in paths:
        try:
            relative = Path(name).relative_to(seeds)
        except ValueError:
            return None
        parts = relative.parts
        if not parts or any(hidden(part) for part in parts):
            continue
        folders = [seeds.joinpath(*parts[:depth]) for depth in range(1, len(parts))]
        if not any(folder.is_symlink() for folder in folders):  # as scan_seeds: not followed
            targets[relative.as_posix()] = seeds / relative
    return targets


def plan_targets(targets: dict[str, Path], manifest: Manifest) -> Plan | None:
    """Compare the target files alone with the manifest (loaded for them alone); None when
    one of them is now a folder (the whole folder must be checked)."""
    plan = Plan()
    for doc_id, path in targets.items():
        if not valid_name(doc_id):
            plan.skipped.append((doc_id, BAD_NAME))
            continue
        if format_of(doc_id) is None:
            if os.path.isdir(path):
                return None
            if os.path.lexists(path):
                _unsupported(doc_id, str(path), manifest, plan)
            elif manifest.get(doc_id) is not None:
                plan.delete.add(doc_id)
            continue
        try:
            st = os.stat(path)
        except OSError as exc:
            if not os.path.lexists(path):
                if manifest.get(doc_id) is not None:
                    plan.delete.add(doc_id)
            else:
                plan.skipped.append((doc_id, f"cannot read: {exc.strerror or exc}"))
            continue
        if stat.S_ISDIR(st.st_mode):
            return None
        _compare(doc_id, str(path), st, manifest, plan)
    return plan
