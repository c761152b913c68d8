"""Bring the index up to date with a seeds folder: add, update and remove documents."""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.index import Index

from . import failpoints
from .processes import die_with_parent
from .analysis import analysis_key
from .analysis.lexicon import expanded_lexicon
from .config import Config
from .documents import Document, document_id, read_seed, scan_seeds
from .errors import SearchdError, SeedError
from .index import (SCHEMA_VERSION, DurableStorage, FileState, Manifest, activate, create_index,
                    current_indexname, load_manifest, open_index,
                    remove_other_indexes, save_manifest, write_lock)
from .writer import SearchdWriter

Progress = Callable[[int, int], None]
PARALLEL_FROM = 100   # documents per process; fewer are written by this process alone
EXPAND_FROM = 20      # documents; fewer are analysed with the compact lexicon (bisection)
MAX_PROCS = 4
PROGRESS_EVERY = 20   # documents between a worker's progress messages


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
    sizes: dict[str, int] = field(default_factory=dict)  # bytes of the files to write
    delete: set[str] = field(default_factory=set)


def sync_index(config: Config, rebuild: bool = False, progress: Progress | None = None,
               lock_wait: float = 0.0, merge: bool = True) -> SyncReport:
    """Make the index match config.seeds; rebuild from scratch when asked or needed. A sync
    that fails (a full disk, a seeds folder that vanished) leaves the index as it was and
    raises SearchdError; what it had written is removed then or by the next sync. With
    merge=False the commit merges no segments (a watcher in the middle of a burst of
    changes: a large merge would hold up the next files for many seconds)."""
    if not config.seeds.is_dir():
        raise SearchdError(f"seeds folder not found: {config.seeds}")
    started = time.perf_counter()
    with write_lock(config.index, wait=lock_wait):
        active = current_indexname(config.index)
        remove_other_indexes(config.index, keep=active)  # what a killed sync left
        try:
            report = _sync_locked(config, rebuild, progress, merge)
        except OSError as exc:
            DurableStorage.abandon()
            remove_other_indexes(config.index, keep=current_indexname(config.index))
            raise SearchdError(f"cannot update the index: {_describe(exc)}") from exc
    report.seconds = time.perf_counter() - started
    return report


def _sync_locked(config: Config, rebuild: bool, progress: Progress | None,
                 merge: bool) -> SyncReport:
    """sync_index's work, holding the write lock."""
    current = None if rebuild else _current_index(config)
    report = SyncReport(rebuilt=current is None)
    if current is None:
        name, ix = create_index(config.index, config.stemmer, config.compounds)
        manifest = Manifest(name, index_key(config))
    else:
        ix, manifest = current
    plan = _plan(config.seeds, manifest, report)
    if plan.write or plan.delete or report.rebuilt:
        _apply(ix, config.seeds, plan, manifest, report, progress, merge)
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


def _current_index(config: Config) -> tuple[Index, Manifest] | None:
    """The active index and its manifest, or None when the index must be built anew."""
    name = current_indexname(config.index)
    if name is None:
        return None
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
    unreadable: list[tuple[str, str]] = []
    for doc_id, path in scan_seeds(seeds, unreadable):
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
        plan.sizes[doc_id] = st.st_size
    if not seeds.is_dir():  # gone while it was read: what was not seen is not deleted
        raise SearchdError(f"the seeds folder {seeds} vanished during the sync; the index "
                           "is left as it was")
    plan.delete = {doc_id for doc_id in set(manifest.files) - seen
                   if not any(doc_id.startswith(prefix) for prefix, _ in unreadable)}
    report.skipped.extend((f"{prefix}*", f"folder cannot be read ({reason}); its documents "
                           "are kept as they were") for prefix, reason in unreadable)
    return plan


def _apply(ix, seeds: Path, plan: _Plan, manifest: Manifest,  # type: ignore[no-untyped-def]
           report: SyncReport, progress: Progress | None, merge: bool = True) -> None:
    """Write the planned changes in one commit, then record them in the manifest."""
    if len(plan.write) >= EXPAND_FROM:
        expanded_lexicon()  # dict look-ups; before the workers fork, so that they share it
    writer = SearchdWriter(ix)
    try:
        for doc_id in plan.delete:
            writer.delete_by_term("id", doc_id)
            manifest.files.pop(doc_id, None)
            report.removed += 1
        jobs = sorted(plan.write.items())
        procs = min(os.cpu_count() or 1, MAX_PROCS, len(jobs) // PARALLEL_FROM)
        if procs >= 2:
            shares = _shares(jobs, plan.sizes, procs)
            outcomes = _write_in_workers(ix, seeds, shares, manifest, writer, progress)
        else:
            outcomes = _write_here(writer, seeds, jobs, manifest, progress)
        for outcome in outcomes:
            _record(writer, outcome, manifest, report)
    except BaseException:
        _cancel(writer)
        raise
    writer.commit(merge=merge)
    failpoints.reached("sync:committed")
    manifest.generation = ix.latest_generation()
    save_manifest(Path(ix.storage.folder), manifest)


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


def _read(seeds: Path, path: Path, manifest: Manifest) -> _Outcome:
    """Read one seed file and compare it with what the manifest knows of it."""
    doc_id = document_id(path, seeds)
    known = manifest.files.get(doc_id)
    outcome = _Outcome(doc_id, known is not None and not known.skipped)
    try:
        st = path.stat()
        loaded = read_seed(path, seeds)
    except (SeedError, OSError) as exc:
        outcome.skipped = str(exc) if isinstance(exc, SeedError) else f"cannot read: {exc}"
        if isinstance(exc, SeedError):  # remember it, so an unchanged bad file is not reread
            outcome.state = FileState("", st.st_size, st.st_mtime_ns, st.st_ctime_ns,
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
    manifest.files.pop(doc_id, None)
    if outcome.state is not None:
        manifest.files[doc_id] = outcome.state
    if outcome.was_indexed and not outcome.unchanged:
        writer.delete_by_term("id", doc_id)  # replaced, or no longer a document
    if outcome.skipped is not None:
        report.skipped.append((doc_id, outcome.skipped))
    elif outcome.unchanged:
        report.unchanged += 1
    elif outcome.was_indexed:
        report.updated += 1
    else:
        report.added += 1


def _write_here(writer: SearchdWriter, seeds: Path, jobs: list[tuple[str, Path]],
                manifest: Manifest, progress: Progress | None) -> list[_Outcome]:
    """Read and index the files in this process."""
    outcomes = []
    for done, (_, path) in enumerate(jobs, 1):
        outcome = _read(seeds, path, manifest)
        if outcome.document is not None:
            writer.add(outcome.document)
        outcome.document = None
        outcomes.append(outcome)
        if progress is not None:
            progress(done, len(jobs))
    return outcomes


def _write_in_workers(ix, seeds: Path,  # type: ignore[no-untyped-def]
                      shares: list[list[tuple[str, Path]]], manifest: Manifest,
                      writer: SearchdWriter, progress: Progress | None) -> list[_Outcome]:
    """Read and index the files, a share per process: this one and a forked one for each
    other share, each writing a segment of its own, which join writer's commit.
    (This process works too, rather than wait: one process fewer holds the lexicon and a
    pool of postings, which on nl-laws is 400 MB.)"""
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    own, *others = shares
    workers = [context.Process(target=_worker, daemon=True,
                               args=(ix, seeds, share, manifest, messages, os.getpid()))
               for share in others]
    for worker in workers:
        worker.start()
    failpoints.reached("sync:workers-started")
    tally = _Tally(sum(len(share) for share in shares), progress)
    try:
        def step(done: int, _: int) -> None:
            tally.here = done
            while not messages.empty():
                tally.take(*messages.get(), writer)
            tally.report()

        here = SearchdWriter(ix)  # its segment is written while the workers write theirs
        outcomes = _write_here(here, seeds, own, manifest, step)
        writer.add_segments(here.finish_segments())
        while tally.finished < len(workers):
            tally.take(*_next_message(messages, workers), writer)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
    return outcomes + tally.outcomes


@dataclass
class _Tally:
    """What the worker processes have reported so far, and progress over all processes."""

    total: int
    progress: Progress | None
    here: int = 0   # files done by this process
    there: int = 0  # by the workers
    finished: int = 0
    outcomes: list[_Outcome] = field(default_factory=list)

    def take(self, kind: str, payload: Any, writer: SearchdWriter) -> None:
        """Account for one message from a worker."""
        if kind == "error":
            raise SearchdError(f"an indexing process failed: {payload}")
        if kind == "progress":
            self.there += payload
        else:
            segments, outcomes = payload
            writer.add_segments(segments)
            self.outcomes.extend(outcomes)
            self.finished += 1
        self.report()

    def report(self) -> None:
        """Tell the progress callback how many files all processes have done."""
        if self.progress is not None:
            self.progress(self.here + self.there, self.total)


def _next_message(messages, workers) -> tuple[str, Any]:  # type: ignore[no-untyped-def]
    """The next message from the workers; an error if one died without saying why."""
    while True:
        try:
            return messages.get(timeout=1.0)
        except queue.Empty:
            dead = [w for w in workers if w.exitcode not in (None, 0)]
            if dead:
                return "error", f"exit code {dead[0].exitcode}"


def _shares(jobs: list[tuple[str, Path]], sizes: dict[str, int],
            procs: int) -> list[list[tuple[str, Path]]]:
    """The jobs in procs shares of about equal bytes (largest files first, each to the
    share with the fewest bytes so far), each in document-id order."""
    shares: list[list[tuple[str, Path]]] = [[] for _ in range(procs)]
    loads = [0] * procs
    for job in sorted(jobs, key=lambda job: -sizes[job[0]]):
        lightest = loads.index(min(loads))
        shares[lightest].append(job)
        loads[lightest] += sizes[job[0]]
    return [sorted(share) for share in shares]


def _worker(ix, seeds: Path, jobs: list[tuple[str, Path]],  # type: ignore[no-untyped-def]
            manifest: Manifest, messages, parent: int) -> None:
    """A worker process: index jobs into segments of its own and send them back; it dies
    with the syncing process (killed, it leaves no orphan writing on)."""
    die_with_parent(parent)
    try:
        writer = SearchdWriter(ix)
        outcomes: list[_Outcome] = []
        for start in range(0, len(jobs), PROGRESS_EVERY):
            batch = jobs[start:start + PROGRESS_EVERY]
            outcomes.extend(_write_here(writer, seeds, batch, manifest, None))
            messages.put(("progress", len(batch)))
        messages.put(("done", (writer.finish_segments(), outcomes)))
    except BaseException as exc:  # reported to the parent, which cancels the sync
        messages.put(("error", f"{type(exc).__name__}: {exc}"))
