"""`searchd index` on a cluster: every shard synced with the seeds at once, each by a task on
a worker that holds (or is to hold) its first copy (only that shard's files, only those that
changed), then the shard's other copies made from it with searchd's snapshot."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .. import keys
from ..config import Config
from ..sync import SyncReport
from .copies import install_key, remove_stale
from .placement import Cluster, Copy, Shard, _on_worker, _sync

_install_key = _on_worker(lambda config, worker, key: install_key(config, key))


@dataclass
class ClusterReport:
    """What `searchd index` did on a cluster: each shard's sync, the copies made."""

    shards: list[SyncReport] = field(default_factory=list)
    copies_made: int = 0
    seconds: float = 0.0

    def total(self) -> SyncReport:
        """The shards' syncs added up (one SyncReport, as one index's)."""
        total = SyncReport(rebuilt=any(r.rebuilt for r in self.shards), seconds=self.seconds)
        for r in self.shards:
            total.added += r.added
            total.updated += r.updated
            total.removed += r.removed
            total.unchanged += r.unchanged
            total.skipped += r.skipped
            total.warnings += r.warnings
        return total

    def lines(self) -> list[str]:
        """A line a shard, and the whole."""
        return [f"shard {n}: {r.summary()}" for n, r in enumerate(self.shards)] + [
            f"{self.total().summary()}; {len(self.shards)} shards, "
            f"{self.copies_made} copies made"]


def index_cluster(config: Config, rebuild: bool = False) -> ClusterReport:
    """Sync every shard of config's cluster with the seeds and give each its copies."""
    started = time.perf_counter()
    cluster = Cluster(config)
    try:
        report = _index(cluster, config, rebuild)
    finally:
        cluster.close()
    report.seconds = time.perf_counter() - started
    return report


def _index(cluster: Cluster, config: Config, rebuild: bool) -> ClusterReport:
    workers = cluster.workers()
    key = keys.signing_key(config.snapshot_key_file)
    cluster._each_worker(_install_key, key)
    cluster._each_worker(_on_worker(lambda c, w, live: remove_stale(c, live)), workers)
    cluster.refresh()
    firsts = [_first_holder(shard, workers) for shard in cluster.shards]
    futures = [cluster.client.submit(_sync, config, shard.number, rebuild,
                                     workers=cluster._where(worker),
                                     allow_other_workers=False, pure=False)
               for shard, worker in zip(cluster.shards, firsts)]
    report = ClusterReport()
    for future in futures:
        synced, _ = future.result(timeout=None)
        report.shards.append(synced)
    cluster.refresh()  # the synced copies are the newest: the others no longer serve
    report.copies_made = cluster.repair()
    return report


def _first_holder(shard: Shard, workers: list[str]) -> str:
    """The worker whose copy of shard is synced from the seeds: one holding its newest
    copy, else the shard's place in the ring of workers."""
    held: list[Copy] = shard.serving()
    if held:
        return sorted(c.worker for c in held)[0]
    return workers[shard.number % len(workers)]

