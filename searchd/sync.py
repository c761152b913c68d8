"""Bring the index up to date with a seeds folder: add, update and remove documents."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.index import Index

from .analysis import analysis_key
from .analysis.lexicon import expanded_lexicon
from .config import Config
from .codec import SearchdCodec
from .documents import document_id, read_seed, scan_seeds
from .errors import SearchdError, SeedError
from .index import (SCHEMA_VERSION, FileState, Manifest, activate, create_index,
                    current_indexname, document_fields, load_manifest, open_index,
                    remove_other_indexes, save_manifest, write_lock)

Progress = Callable[[int, int], None]
PARALLEL_FROM = 200   # documents; fewer are written by this process alone
EXPAND_FROM = 20     # documents; fewer are analysed with the compact lexicon (bisection)
MAX_PROCS = 4
WRITER_MB = 128       # Whoosh's indexing buffer per process


@dataclass
class SyncReport:
    """What a sync did: counts, skipped files with reasons, warnings, time taken."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    rebuilt: bool = False
    seconds: float = 0.0

    @property
    def indexed(self) -> int:
        """Documents written in this sync."""
        return self.added + self.updated

    @property
    def changed(self) -> bool:
        """True when the sync wrote anything."""
        return bool(self.added or self.updated or self.removed or self.rebuilt)

    def summary(self) -> str:
        """One line for people."""
        if not self.changed and not self.skipped:
            return f"index is up to date ({self.unchanged} documents); nothing to do"
        return (f"{'rebuilt: ' if self.rebuilt else ''}{self.indexed} indexed "
                f"({self.added} added, {self.updated} updated), {self.removed} removed, "
                f"{self.unchanged} unchanged, {len(self.skipped)} skipped "
                f"in {self.seconds:.2f} s")


@dataclass
class _Plan:
    """Which seed files to (re)index and which document ids to delete."""

    write: dict[str, Path] = field(default_factory=dict)
    delete: set[str] = field(default_factory=set)


def sync_index(config: Config, rebuild: bool = False, progress: Progress | None = None,
               lock_wait: float = 0.0) -> SyncReport:
    """Make the index match config.seeds; rebuild from scratch when asked or needed."""
    if not config.seeds.is_dir():
        raise SearchdError(f"seeds folder not found: {config.seeds}")
    started = time.perf_counter()
    with write_lock(config.index, wait=lock_wait):
        current = None if rebuild else _current_index(config)
        report = SyncReport(rebuilt=current is None)
        if current is None:
            name, ix = create_index(config.index, config.stemmer, config.compounds)
            manifest = Manifest(name, index_key(config))
        else:
            ix, manifest = current
        plan = _plan(config.seeds, manifest, report)
        if plan.write or plan.delete or report.rebuilt:
            _apply(ix, config.seeds, plan, manifest, report, progress)
        if report.rebuilt:
            activate(config.index, manifest.indexname)
    report.seconds = time.perf_counter() - started
    return report


def build_index(config: Config, progress: Progress | None = None) -> SyncReport:
    """Index config.seeds from scratch."""
    return sync_index(config, rebuild=True, progress=progress)


def _current_index(config: Config) -> tuple[Index, Manifest] | None:
    """The active index and its manifest, or None when the index must be built anew."""
    name = current_indexname(config.index)
    if name is None:
        return None
    remove_other_indexes(config.index, keep=name)  # left by a rebuild that was killed
    manifest = load_manifest(config.index, name)
    if manifest is None or manifest.analysis != index_key(config):
        return None
    try:
        ix = open_index(config.index)
    except SearchdError:
        return None
    if ix.latest_generation() != manifest.generation:
        manifest = recover_manifest(ix, manifest)  # a sync died between commit and manifest
    return ix, manifest


def recover_manifest(ix: Index, stale: Manifest) -> Manifest:
    """Rebuild the manifest from what the index holds: every file it lists is then checked
    by content on this sync, and only what really differs is written again."""
    with ix.searcher() as searcher:
        files = {fields["id"]: FileState(fields.get("checksum", ""), -1, 0, 0)
                 for fields in searcher.all_stored_fields()}
    return Manifest(stale.indexname, stale.analysis, ix.latest_generation(), files)


def index_key(config: Config) -> str:
    """What an index must have been built with to be kept: schema and analysis."""
    return f"s{SCHEMA_VERSION}:{analysis_key(config.stemmer, config.compounds)}"


def _plan(seeds: Path, manifest: Manifest, report: SyncReport) -> _Plan:
    """Compare the seeds folder with the manifest."""
    plan = _Plan()
    seen: set[str] = set()
    for doc_id, path in scan_seeds(seeds):
        seen.add(doc_id)
        try:
            st = os.stat(path)
        except OSError as exc:
            report.skipped.append((doc_id, f"cannot read: {exc.strerror or exc}"))
            continue
        known = manifest.files.get(doc_id)
        if known is not None and known.same_stat(st):
            if known.skipped:
                report.skipped.append((doc_id, known.skipped))
            else:
                report.unchanged += 1
            continue
        plan.write[doc_id] = Path(path)
    plan.delete = set(manifest.files) - seen
    return plan


def _apply(ix, seeds: Path, plan: _Plan, manifest: Manifest,  # type: ignore[no-untyped-def]
           report: SyncReport, progress: Progress | None) -> None:
    """Write the planned changes in one commit, then record them in the manifest."""
    writer = _writer(ix, len(plan.write))
    try:
        for doc_id in plan.delete:
            writer.delete_by_term("id", doc_id)
            manifest.files.pop(doc_id, None)
            report.removed += 1
        total = len(plan.write)
        for done, (doc_id, path) in enumerate(sorted(plan.write.items()), 1):
            _write_one(writer, seeds, path, manifest, report)
            if progress is not None:
                progress(done, total)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    manifest.generation = ix.latest_generation()
    save_manifest(Path(ix.storage.folder), manifest)


def _writer(ix, documents: int):  # type: ignore[no-untyped-def]
    """A Whoosh writer; for many documents one that analyses on every core."""
    procs = min(os.cpu_count() or 1, MAX_PROCS)
    if documents >= EXPAND_FROM:
        expanded_lexicon()  # dict look-ups; before the workers fork, so that they share it
    if documents < PARALLEL_FROM or procs < 2:
        return ix.writer(limitmb=WRITER_MB, codec=SearchdCodec())
    return ix.writer(procs=procs, multisegment=True, limitmb=WRITER_MB, batchsize=50,
                     codec=SearchdCodec())


def _write_one(writer, seeds: Path, path: Path,  # type: ignore[no-untyped-def]
               manifest: Manifest, report: SyncReport) -> None:
    """Index (or re-index) one seed file, or record why it was skipped."""
    doc_id = document_id(path, seeds)
    known = manifest.files.get(doc_id)
    was_indexed = known is not None and not known.skipped
    try:
        st = path.stat()
        loaded = read_seed(path, seeds)
    except (SeedError, OSError) as exc:
        reason = str(exc) if isinstance(exc, SeedError) else f"cannot read: {exc}"
        report.skipped.append((doc_id, reason))
        if was_indexed:
            writer.delete_by_term("id", doc_id)  # its content is no longer a document
        manifest.files.pop(doc_id, None)
        if isinstance(exc, SeedError):  # remember it, so an unchanged bad file is not reread
            manifest.files[doc_id] = FileState("", st.st_size, st.st_mtime_ns,
                                               st.st_ctime_ns, reason)
        return
    doc = loaded.document
    report.warnings.extend((doc_id, w) for w in loaded.warnings)
    manifest.files[doc_id] = FileState(doc.checksum, st.st_size, st.st_mtime_ns,
                                       st.st_ctime_ns)
    if was_indexed and known.checksum == doc.checksum:  # type: ignore[union-attr]
        report.unchanged += 1  # touched, not changed: only the manifest learns the new stat
    elif was_indexed:
        writer.update_document(**document_fields(doc))
        report.updated += 1
    else:
        writer.add_document(**document_fields(doc))
        report.added += 1
