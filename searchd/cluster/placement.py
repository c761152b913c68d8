"""The coordinator's view of the cluster: which workers hold which copies of which shards,
the actors that serve them, questions sent to a copy of every shard with a retry on another
copy when one is lost, and the repair that makes lost copies again from a remaining one
(searchd's snapshot, sent from worker to worker; never rebuilt from the seeds)."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from ..config import Config
from ..errors import SearchdError
from . import copies
from .copies import CopyState
from .shard import ShardChanged, ShardServer

log = logging.getLogger(__name__)
# what a question to a lost copy raises: its worker is gone (OSError, or the actor's
# RuntimeError "Worker holding Actor was lost"), or the worker lost the actor (KeyError)
LOST = (OSError, TimeoutError, FutureTimeout, KeyError, RuntimeError)
CONNECT_SECONDS = 10.0
CALL_SECONDS = 120.0   # a question to a copy (a search's own budget is far shorter)
REPAIR_EVERY = 2.0     # seconds between checks for lost copies (serve)


class ClusterError(SearchdError):
    """The cluster cannot answer: no scheduler, no workers, or a shard without a copy."""


@dataclass
class Copy:
    """A copy of a shard on a worker, and the actor serving it (made when first asked)."""

    state: CopyState
    actor: Any = None
    lost: bool = False
    held: Any = None  # the actor's future: while this client holds it, the actor lives

    @property
    def worker(self) -> str:
        return self.state.worker


@dataclass
class Shard:
    """A shard's copies in the newest state any of them has (older ones do not serve)."""

    number: int
    copies: list[Copy] = field(default_factory=list)
    turn: itertools.count = field(default_factory=itertools.count)

    def serving(self) -> list[Copy]:
        """The copies that answer, the next one first (questions take turns)."""
        live = [c for c in self.copies if not c.lost]
        if not live:
            return []
        start = next(self.turn) % len(live)
        return live[start:] + live[:start]


def connect(config: Config) -> Any:
    """A Dask client of config's scheduler (ClusterError when it does not answer)."""
    from distributed import Client

    try:
        # the default client: an actor's proxy calls through it (distributed.actor);
        # straight to the workers, not through the scheduler (half the hops a question)
        return Client(config.cluster_scheduler, timeout=CONNECT_SECONDS,
                      direct_to_workers=True)
    except (OSError, TimeoutError, FutureTimeout) as exc:
        raise ClusterError(f"no Dask scheduler answers at {config.cluster_scheduler} "
                           f"([cluster] scheduler in {config.source or 'config.toml'}): "
                           f"{exc}") from exc


def _on_worker(fn: Callable[..., Any]) -> Callable[..., Any]:
    """fn(config, the worker's name, *args), run as a task on a worker. (A worker is known
    by its name: `dask worker --name` gives a stable one, under which a worker started
    again finds its copies; without it the name is the worker's address.)"""
    def task(config: Config, *args: Any) -> Any:
        from distributed import get_worker
        return fn(config, str(get_worker().name), *args)
    return task


_describe = _on_worker(copies.describe)
_sync = _on_worker(copies.sync_copy)
_pack = _on_worker(copies.pack)
_unpack = _on_worker(copies.unpack)


class Cluster:
    """The shards of config's cluster and their copies, as the scheduler's workers hold
    them; questions to them with retries on other copies."""

    def __init__(self, config: Config, client: Any | None = None) -> None:
        self.config = config
        self.client = client if client is not None else connect(config)
        self._lock = threading.RLock()
        self.shards: list[Shard] = []
        self._repairing: threading.Thread | None = None
        self._stop = threading.Event()
        self.refresh()

    def close(self) -> None:
        self._stop.set()
        self.client.close()

    def workers(self) -> list[str]:
        """The names of the live workers."""
        return sorted(self._addresses())

    def _addresses(self) -> dict[str, str]:
        """{name: address} of the live workers."""
        return {str(w["name"]): address
                for address, w in self.client.scheduler_info()["workers"].items()}

    def _where(self, worker: str) -> list[str]:
        """The address of a worker (by name) for a task's workers=."""
        address = self._addresses().get(worker)
        if address is None:
            raise OSError(f"worker {worker} is gone")
        return [address]

    def refresh(self) -> None:
        """Ask every worker which copies it holds; the newest copies of each shard serve."""
        if not self.workers():
            raise ClusterError(f"the Dask scheduler at {self.config.cluster_scheduler} has "
                               "no workers (start some: `dask worker <scheduler>`)")
        found: list[CopyState] = []
        for states in self._each_worker(_describe).values():
            found.extend(states)
        with self._lock:
            old = {(c.worker, s.number): c for s in self.shards for c in s.copies}
            self.shards = []
            for number in range(self.config.cluster_shards):
                mine = [s for s in found if s.shard == number and s.indexname is not None]
                newest = max((s.generation for s in mine), default=None)
                shard = Shard(number)
                for state in sorted(mine, key=lambda s: s.worker):
                    if state.generation == newest:
                        kept = old.get((state.worker, number))
                        same = kept is not None and kept.state == state and not kept.lost
                        shard.copies.append(Copy(state, kept.actor, held=kept.held)
                                            if same and kept is not None else Copy(state))
                self.shards.append(shard)

    def _each_worker(self, fn: Callable[..., Any], *args: Any) -> dict[str, Any]:
        """fn(config, *args) run on every live worker: {worker: its answer}."""
        futures = {name: self.client.submit(fn, self.config, *args, workers=[address],
                                            allow_other_workers=False, pure=False)
                   for name, address in self._addresses().items()}
        answers = {}
        for worker, future in futures.items():
            try:
                answers[worker] = future.result(timeout=CALL_SECONDS)
            except (OSError, TimeoutError, FutureTimeout) as exc:
                log.warning("worker %s did not answer: %s", worker, exc)
        return answers

    def ask(self, shard: int, method: str, *args: Any) -> Any:
        """method(*args) of a copy of shard; another copy when one is lost."""
        for copy in self.shards[shard].serving():
            try:
                return self._call(copy, method, *args).result(timeout=CALL_SECONDS)
            except (ShardChanged, SearchdError):
                raise
            except LOST as exc:
                self._lose(copy, exc)
        raise ClusterError(f"shard {shard} has no copy that answers; see `searchd cluster "
                           "status`")

    def ask_all(self, method: str, *args: Any) -> list[Any]:
        """method(*args) of a copy of every shard, asked at once: the answers in shard
        order (each retried on another copy when one is lost)."""
        return self.ask_each(method, [args] * len(self.shards))

    def ask_some(self, method: str, args: dict[int, tuple[Any, ...]]) -> dict[int, Any]:
        """method(*args[n]) of a copy of each shard n of args, asked at once."""
        numbers = sorted(args)
        return dict(zip(numbers, self._ask_shards(method, numbers,
                                                  [args[n] for n in numbers])))

    def ask_each(self, method: str, args: list[tuple[Any, ...]]) -> list[Any]:
        """method(*args[n]) of a copy of each shard n, asked at once: the answers in shard
        order (each retried on another copy when one is lost)."""
        return self._ask_shards(method, list(range(len(self.shards))), args)

    def _ask_shards(self, method: str, numbers: list[int],
                    args: list[tuple[Any, ...]]) -> list[Any]:
        shards = [self.shards[n] for n in numbers]
        pending: list[tuple[Copy, Any] | None] = []
        for shard, shard_args in zip(shards, args):
            live = shard.serving()
            try:
                pending.append((live[0], self._call(live[0], method, *shard_args))
                               if live else None)
            except OSError as exc:
                self._lose(live[0], exc)
                pending.append(None)
        answers = []
        for shard, shard_args, sent in zip(shards, args, pending):
            if sent is not None:
                try:
                    answers.append(sent[1].result(timeout=CALL_SECONDS))
                    continue
                except (ShardChanged, SearchdError):
                    raise
                except LOST as exc:
                    self._lose(sent[0], exc)
            answers.append(self.ask(shard.number, method, *shard_args))
        return answers

    def _call(self, copy: Copy, method: str, *args: Any) -> Any:
        """An ActorFuture of method(*args) on copy's actor (made on its worker when
        first needed); OSError when the copy is lost."""
        if copy.held is not None and copy.held.status not in ("finished", "pending"):
            raise OSError(f"the worker holding the copy was lost ({copy.held.status})")
        if copy.actor is None:
            try:
                copy.held = self.client.submit(
                    ShardServer, self.config, copy.worker, copy.state.shard, actor=True,
                    workers=self._where(copy.worker), allow_other_workers=False,
                    pure=False)
                copy.actor = copy.held.result(timeout=CALL_SECONDS)
            except (OSError, TimeoutError, FutureTimeout) as exc:
                raise OSError(f"no actor on {copy.worker}: {exc}") from exc
        return getattr(copy.actor, method)(*args)

    def _lose(self, copy: Copy, why: Exception) -> None:
        """Mark a copy lost (its worker died or does not answer)."""
        with self._lock:
            if not copy.lost:
                copy.lost = True
                log.warning("shard %d: the copy on %s is lost (%s)", copy.state.shard,
                            copy.worker, why)

    def sweep(self) -> None:
        """Mark lost the copies on workers that are gone or whose actor was lost."""
        live = set(self.workers())
        for shard in self.shards:
            for copy in shard.copies:
                if copy.worker not in live:
                    self._lose(copy, OSError("its worker is gone"))
                elif copy.held is not None and copy.held.status not in ("finished",
                                                                        "pending"):
                    self._lose(copy, OSError(f"its actor is {copy.held.status}"))

    def missing(self) -> dict[int, int]:
        """{shard: copies it lacks} of the shards with fewer than [cluster] replicas."""
        wanted = min(self.config.cluster_replicas, max(len(self.workers()), 1))
        return {s.number: wanted - len(live) for s in self.shards
                if len(live := [c for c in s.copies if not c.lost]) < wanted}

    def repair(self) -> int:
        """Make the copies shards lack, each from a serving copy onto a live worker that
        holds none of that shard (fewest copies first): the number made."""
        self.sweep()
        live = set(self.workers())
        made = 0
        for number, lacking in self.missing().items():
            for _ in range(lacking):
                made += self._copy_one(self.shards[number], live)
        return made

    def _copy_one(self, shard: Shard, live: set[str]) -> int:
        """One more copy of shard on another worker (0 when none can take it)."""
        sources = shard.serving()
        holders = {c.worker for c in shard.copies if not c.lost}
        load = {w: 0 for w in live}
        for other in self.shards:
            for c in other.copies:
                if not c.lost and c.worker in load:
                    load[c.worker] += 1
        ring = sorted(live)  # fewest copies first, then the shard's place in the ring
        targets = sorted((w for w in live if w not in holders), key=lambda w: (
            load[w], (ring.index(w) - shard.number) % len(ring), w))
        if not sources or not targets:
            return 0
        packed = self.client.submit(_pack, self.config, shard.number,
                                    workers=self._where(sources[0].worker),
                                    allow_other_workers=False, pure=False)
        state = self.client.submit(_unpack, self.config, shard.number, packed,
                                   workers=self._where(targets[0]), allow_other_workers=False,
                                   pure=False).result(timeout=CALL_SECONDS * 10)
        with self._lock:
            shard.copies = [c for c in shard.copies if c.worker != targets[0]]
            shard.copies.append(Copy(state))
        log.info("shard %d: a copy made on %s", shard.number, targets[0])
        return 1

    def start_repairs(self) -> None:
        """Repair lost copies in the background (a serving process), every REPAIR_EVERY
        seconds while any is missing."""
        if self._repairing is None:
            self._repairing = threading.Thread(target=self._repair_loop, daemon=True,
                                               name="searchd-cluster-repair")
            self._repairing.start()

    def _repair_loop(self) -> None:
        while not self._stop.wait(REPAIR_EVERY):
            try:
                self.refresh()  # copies synced or made by others (`searchd index`)
                self.repair()
            except Exception as exc:  # never let the repairer die; it tries again
                log.warning("cluster repair: %s", exc)
                time.sleep(REPAIR_EVERY)

    def status(self) -> dict[str, Any]:
        """Workers, shards and their copies, and the readiness of the whole."""
        readiness, why = self.readiness()
        workers = self.workers()
        return {"scheduler": self.config.cluster_scheduler, "state": readiness, "why": why,
                "workers": workers, "replicas": self.config.cluster_replicas,
                "shards": [{"shard": s.number, "copies": [
                    {"worker": c.worker, "generation": c.state.generation,
                     "documents": c.state.documents,
                     "state": "lost" if c.lost or c.worker not in workers else "serving"}
                    for c in s.copies]} for s in self.shards]}

    def readiness(self) -> tuple[str, str]:
        """("ready" | "degraded" | "not ready", why)."""
        self.sweep()
        empty = [s.number for s in self.shards if not s.serving()]
        if empty:
            return "not ready", f"shards without a copy: {empty}"
        lacking = self.missing()
        if lacking:
            return "degraded", "shards with fewer copies than [cluster] replicas: " + \
                ", ".join(f"{n} ({self.config.cluster_replicas - k} of "
                          f"{self.config.cluster_replicas})" for n, k in lacking.items())
        return "ready", ""
