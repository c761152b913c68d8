"""Bring the index up to date with a seeds folder: add, update and remove documents."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.index import Index

from . import failpoints, word_table
from .accounts import kind_of
from .analysis import analysis_key, compounds
from .analysis.lexicon import expanded_lexicon
from .changes import Plan, plan_folder, plan_targets, seed_targets
from .cluster.routing import in_shard
from .config import Config
from .documents import Document, Extract, document_id, read_seed
from .errors import SearchdError, SeedError
from .extraction import extract_ahead, forget_others, taken
from .formats import format_of
from .formats.isolation import Outcome
from .index import (
    activate,
    create_index,
    current_indexname,
    open_index,
    remove_other_indexes,
    write_lock,
)
from .manifest import FileState, Manifest
from .manifest import load as load_manifest
from .manifest import save as save_manifest
from .pool import run_shares, shares_by_size
from .schema import BODY, CHECKSUM, ID, SCHEMA_VERSION
from .storage import SearchdWriter, abandon_open_files

Progress = Callable[[int, int], None]
_Share = tuple[list[Any], list["_Outcome"], word_table.Pairs]  # segments, outcomes, words
PARALLEL_FROM = 100   # documents per process; fewer are written by this process alone
EXPAND_FROM = 20      # documents; fewer are analysed with the compact lexicon (no dicts built)
PROGRESS_EVERY = 64   # documents between progress reports of a share
BATCH_DOCS = 64       # documents the writer inverts at once (fewer numpy calls a document)
BATCH_CHARS = 1 << 20  # ... or fewer, when they are long
EXTRACTORS = os.cpu_count() or 1  # documents of other formats extracted at once
EXTRACT_WINDOW = 64   # ... of the next this many files


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
        kinds = Counter(kind_of(reason) for _, reason in self.skipped)
        why = f" ({', '.join(f'{n} {kind}' for kind, n in kinds.most_common())})" \
            if kinds else ""
        return (f"{'rebuilt: ' if self.rebuilt else ''}{self.indexed} indexed "
                f"({self.added} added, {self.updated} updated), {self.removed} removed, "
                f"{self.unchanged} unchanged, {len(self.skipped)} skipped{why} "
                f"in {self.seconds:.2f} s")


def sync_index(config: Config, rebuild: bool = False, progress: Progress | None = None,
               lock_wait: float = 0.0, merge: bool = True,
               paths: Collection[str] | None = None) -> SyncReport:
    """Make the index match config.seeds; rebuild from scratch when asked or needed. A sync
    that fails (a full disk, a seeds folder that vanished) leaves the index as it was and
    raises SearchdError; what it had written is removed then or by the next sync. With
    merge=False the commit merges no segments (a watcher in the middle of a burst of
    changes: a large merge would hold up the next files for many seconds).

    paths, when given, are the only files that may have changed (a watcher's events): the
    sync then looks at them alone, not at the whole folder, unless one of them is a folder
    or the index needs a full check anyway."""
    if not config.seeds.is_dir():
        raise SearchdError(f"seeds folder not found: {config.seeds}")
    started = time.perf_counter()
    with write_lock(config.index, wait=lock_wait):
        active = current_indexname(config.index)
        remove_other_indexes(config.index, keep=active)  # what a killed sync left
        try:
            report = _sync_locked(config, rebuild, progress, merge, paths)
        except OSError as exc:
            abandon_open_files()
            remove_other_indexes(config.index, keep=current_indexname(config.index))
            raise SearchdError(f"cannot update the index: {_describe(exc)}") from exc
    report.seconds = time.perf_counter() - started
    return report


def _sync_locked(config: Config, rebuild: bool, progress: Progress | None,
                 merge: bool, paths: Collection[str] | None) -> SyncReport:
    """sync_index's work, holding the write lock."""
    targets = None if paths is None else seed_targets(config.seeds, paths)
    current = None if rebuild else _current_index(config, targets)
    report = SyncReport(rebuilt=current is None)
    if current is None:
        name, ix = create_index(config.index, config.stemmer, config.compounds)
        manifest = Manifest(name, index_key(config))
    else:
        ix, manifest = current
    if manifest.complete:
        plan = plan_folder(config.seeds, manifest, in_shard(config.shard))
    else:
        found = plan_targets(targets or {}, manifest)
        if found is None:  # a folder among the paths: check the whole folder
            return _sync_locked(config, rebuild, progress, merge, None)
        plan = found
    report.unchanged, report.skipped = plan.unchanged, plan.skipped
    if plan.write or plan.delete or report.rebuilt:
        _apply(ix, config.seeds, plan, manifest, report, progress, merge,
               index_processes(config))
    elif manifest.fresh or plan.unsupported:  # (an older searchd's JSON: a database now)
        for doc_id, state in plan.unsupported.items():
            manifest.put(doc_id, state)
        save_manifest(config.index, manifest)
    if report.rebuilt:
        failpoints.reached("rebuild:before-activate")
        activate(config.index, manifest.indexname)
    return report


def _describe(exc: OSError) -> str:
    """An OSError in a few words: what went wrong and with which file."""
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def build_index(config: Config, progress: Progress | None = None) -> SyncReport:
    """Index config.seeds from scratch."""
    return sync_index(config, rebuild=True, progress=progress)


def _current_index(config: Config, targets: dict[str, Path] | None = None
                   ) -> tuple[Index, Manifest] | None:
    """The active index and its manifest (of the targets alone, when given), or None when
    the index must be built anew."""
    name = current_indexname(config.index)
    if name is None:
        return None
    manifest = load_manifest(config.index, name, None if targets is None else list(targets))
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
        files = {fields[ID]: FileState(fields.get(CHECKSUM, ""), -1, 0, 0)
                 for fields in searcher.all_stored_fields()}
    return Manifest(stale.indexname, stale.analysis, ix.latest_generation(), files)


def index_key(config: Config) -> str:
    """What an index must have been built with to be kept: schema and analysis."""
    return f"s{SCHEMA_VERSION}:{analysis_key(config.stemmer, config.compounds)}"


def index_processes(config: Config) -> int:
    """The processes a large sync may use: [index] processes, or one per CPU core."""
    return config.index_processes or len(os.sched_getaffinity(0)) or 1


def _apply(ix: Index, seeds: Path, plan: Plan, manifest: Manifest, report: SyncReport,
           progress: Progress | None, merge: bool = True, processes: int = 1) -> None:
    """Write the planned changes in one commit, then record them in the manifest."""
    folder = Path(ix.storage.folder)
    words = _analysis(ix, manifest)
    large = len(plan.write) >= EXPAND_FROM
    if large:  # before the workers fork, so that they share them
        compounds.prepare(expanded_lexicon())  # dict and set look-ups
        word_table.load(folder, words)  # the words the index's documents held so far
    writer = SearchdWriter(ix)
    try:
        for doc_id in plan.delete:
            known = manifest.get(doc_id)
            writer.delete_by_term(ID, doc_id)
            manifest.forget(doc_id)
            report.removed += known is None or not known.skipped  # (documents only)
        for doc_id, state in plan.unsupported.items():
            manifest.put(doc_id, state)
        jobs = sorted(plan.write.items())
        procs = min(processes, len(jobs) // PARALLEL_FROM)
        if procs >= 2:
            shares = shares_by_size(jobs, lambda job: plan.sizes[job[0]], procs)
            outcomes = _write_in_workers(ix, seeds, shares, manifest, writer, progress, words)
        else:
            outcomes = _write_here(writer, seeds, jobs, manifest, progress)
        if any(o.gone for o in outcomes) and not seeds.is_dir():
            raise SearchdError(f"the seeds folder {seeds} vanished during the sync; the "
                               "index is left as it was")
        for outcome in outcomes:
            _record(writer, outcome, manifest, report)
    except BaseException:
        _cancel(writer)
        raise
    writer.commit(merge=merge)
    failpoints.reached("sync:committed")
    manifest.generation = ix.latest_generation()
    save_manifest(folder, manifest)
    forget_others(folder, {f.checksum for f in manifest.files.values()})
    if large:
        word_table.save(folder, words)


def _analysis(ix: Index, manifest: Manifest) -> word_table.Analysis:
    """The analysis of an index, for its word table."""
    analyzer = ix.schema[BODY].analyzer
    return word_table.Analysis(manifest.analysis, analyzer.fallback, analyzer.compounds)


def _cancel(writer: SearchdWriter) -> None:
    """Cancel a writer after a failure; a second failure (a full disk fails the clean-up
    too) must not hide the first."""
    try:
        writer.cancel()
    except OSError:
        pass


@dataclass
class _Outcome:
    """What reading one seed file came to: a Document to index (new or changed), an
    unchanged one, or a reason to skip it."""

    doc_id: str
    was_indexed: bool
    state: FileState | None = None  # None: the manifest forgets the file
    document: Document | None = None
    unchanged: bool = False
    skipped: str | None = None
    warnings: list[str] = field(default_factory=list)
    kept: bool = False  # not read (an I/O error): the index and manifest keep what they had
    gone: bool = False  # deleted after the scan: a removed document


def _read(seeds: Path, path: Path, manifest: Manifest,
          extract: Extract | None = None) -> _Outcome:
    """Read one seed file and compare it with what the manifest knows of it."""
    doc_id = document_id(path, seeds)
    known = manifest.get(doc_id)
    outcome = _Outcome(doc_id, known is not None and not known.skipped)
    try:
        st = path.stat()
        loaded = read_seed(path, seeds, extract)
    except FileNotFoundError:
        outcome.gone = True  # (or the whole folder is: _apply checks)
        return outcome
    except OSError as exc:
        outcome.kept = True
        outcome.skipped = f"cannot read: {exc.strerror or exc}; " + (
            "its indexed version is kept" if outcome.was_indexed else "not indexed")
        return outcome
    except SeedError as exc:  # remembered, so that an unchanged bad file is not read again
        outcome.skipped = str(exc)
        outcome.state = FileState(exc.checksum, st.st_size, st.st_mtime_ns, st.st_ctime_ns,
                                  outcome.skipped)
        return outcome
    doc = loaded.document
    outcome.warnings = loaded.warnings
    outcome.state = FileState(doc.checksum, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if outcome.was_indexed and known.checksum == doc.checksum:  # type: ignore[union-attr]
        outcome.unchanged = True  # touched, not changed: only the manifest learns its stat
    else:
        outcome.document = doc
    return outcome


def _record(writer: SearchdWriter, outcome: _Outcome, manifest: Manifest,
            report: SyncReport) -> None:
    """Account for one file's outcome in the report and manifest; delete the document's
    old version, unless it is unchanged."""
    doc_id = outcome.doc_id
    report.warnings.extend((doc_id, w) for w in outcome.warnings)
    if outcome.kept:  # read again by the next sync: the manifest keeps its old stat
        report.skipped.append((doc_id, outcome.skipped or "cannot read"))
        return
    if outcome.gone:
        manifest.forget(doc_id)
        if outcome.was_indexed:
            writer.delete_by_term(ID, doc_id)
            report.removed += 1
        return
    if outcome.state is not None:
        manifest.put(doc_id, outcome.state)
    else:
        manifest.forget(doc_id)
    if outcome.was_indexed and not outcome.unchanged:
        writer.delete_by_term(ID, doc_id)  # replaced, or no longer a document
    if outcome.skipped is not None:
        report.skipped.append((doc_id, outcome.skipped))
    elif outcome.unchanged:
        report.unchanged += 1
    elif outcome.was_indexed:
        report.updated += 1
    else:
        report.added += 1


def _write_here(writer: SearchdWriter, seeds: Path, jobs: list[tuple[str, Path]],
                manifest: Manifest, progress: Progress | None,
                extractors: int = EXTRACTORS) -> list[_Outcome]:
    """Read and index the files in this process, in batches (BATCH_DOCS documents or
    BATCH_CHARS characters: the writer inverts a batch at once). Documents of other
    formats than .txt are extracted `extractors` at a time, a window of them ahead."""
    outcomes: list[_Outcome] = []
    batch: list[Document] = []
    chars = 0
    extracted: dict[Path, Outcome] = {}
    for done, (_, path) in enumerate(jobs, 1):
        if path not in extracted and format_of(path.name) not in (None, "txt"):
            extracted.update(extract_ahead(jobs[done - 1:done - 1 + EXTRACT_WINDOW],
                                           extractors, Path(writer.storage.folder)))
        outcome = _read(seeds, path, manifest, taken(extracted))
        outcomes.append(outcome)
        if outcome.document is not None:
            batch.append(outcome.document)
            chars += len(outcome.document.body)
            outcome.document = None  # (the batch holds it until it is written)
        if len(batch) >= BATCH_DOCS or chars >= BATCH_CHARS or done == len(jobs):
            writer.add_batch(batch)
            batch, chars = [], 0
        if progress is not None:
            progress(done, len(jobs))
    return outcomes


def _write_in_workers(ix: Index, seeds: Path, shares: list[list[tuple[str, Path]]],
                      manifest: Manifest, writer: SearchdWriter, progress: Progress | None,
                      words: word_table.Analysis) -> list[_Outcome]:
    """Read and index the files, a share per process (pool.py), each writing a segment of
    its own, which join writer's commit; the words the workers analysed join this
    process's word table. (This process works too, rather than wait: one process fewer
    holds the lexicon and a pool of postings, which on nl-laws is 400 MB.)"""
    total, done = sum(len(share) for share in shares), 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    def write_share(jobs: list[tuple[str, Path]], step: Callable[[int], None]) -> _Share:
        known = word_table.mark(words)
        share_writer = SearchdWriter(ix)
        outcomes: list[_Outcome] = []
        for start in range(0, len(jobs), PROGRESS_EVERY):
            batch = jobs[start:start + PROGRESS_EVERY]
            outcomes.extend(_write_here(share_writer, seeds, batch, manifest, None, 1))
            step(len(batch))
        return share_writer.finish_segments(), outcomes, word_table.learned_since(known, words)

    results = run_shares(shares, write_share, advance)
    for segments, _, learned in results:
        writer.add_segments(segments)
        word_table.remember(learned, words)
    return [outcome for _, outcomes, _ in results for outcome in outcomes]
