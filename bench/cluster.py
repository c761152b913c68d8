"""searchd on a Dask cluster on this machine (127.0.0.1 only), measured beside one index:

  latency  p50/p95 of searches with snippets and facets (as the page asks them), one index
           (embedded) vs a cluster of 1 shard vs 3 shards (2 copies each), rounds alternated
  build    `searchd index --rebuild` of the corpus on 2 shards, on 1 worker vs 2 workers
  kill     a worker and its nanny killed with SIGKILL under a query load: failed searches,
           and the seconds until every shard has its copies again

  python bench/cluster.py --corpus DIR --queries FILE [--rounds 5] [--only latency,build,kill]

Each part starts its own scheduler and workers (searchd/cluster/local.py) in a scratch
folder and stops them after."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from searchd.cluster.build import index_cluster
from searchd.cluster.local import LocalCluster
from searchd.config import Config, config_from_dict
from searchd.engines import engine_for
from searchd.sync import sync_index


def _config(root: Path, corpus: Path, index: str, cluster: LocalCluster | None = None,
            shards: int = 1, replicas: int = 1, processes: int = 0) -> Config:
    data: dict[str, Any] = {"paths": {"seeds": str(corpus), "index": index},
                            "search": {"result_cache_mb": 0},
                            "index": {"processes": processes}}
    if cluster is not None:
        data["cluster"] = {"scheduler": cluster.address, "shards": shards,
                           "replicas": replicas, "data": f"{index}-copies"}
    return config_from_dict(data, root)


def _queries(path: Path) -> list[str]:
    return [line.split("\t", 1)[1].strip() for line in path.read_text("utf-8").splitlines()
            if "\t" in line]


def _timed(engine: Any, queries: list[str]) -> list[float]:
    took = []
    for text in queries:
        started = time.perf_counter()
        engine.search(text)  # snippets and facets, as the page
        took.append((time.perf_counter() - started) * 1000)
    return took


def _figures(name: str, took: list[float]) -> str:
    ordered = sorted(took)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{name:<28} p50 {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms"


def latency(root: Path, corpus: Path, queries: list[str], rounds: int) -> None:
    one = _config(root, corpus, "one")
    print(f"latency: {len(queries)} queries x {rounds} rounds, snippets and facets")
    started = time.perf_counter()
    sync_index(one)
    print(f"  one index built in {time.perf_counter() - started:.1f} s")
    cluster = LocalCluster(root, 3)
    try:
        cluster.wait_for(3)
        single = _config(root, corpus, "c1", cluster, 1, 1)
        three = _config(root, corpus, "c3", cluster, 3, 2)
        for config in (single, three):
            started = time.perf_counter()
            index_cluster(config)
            print(f"  cluster of {config.cluster_shards} shard(s) built in "
                  f"{time.perf_counter() - started:.1f} s")
        engines = {"one index (embedded)": engine_for(one),
                   "cluster, 1 shard": engine_for(single),
                   "cluster, 3 shards x 2": engine_for(three)}
        took: dict[str, list[float]] = {name: [] for name in engines}
        for engine in engines.values():
            _timed(engine, queries[:50])  # warm: actors, engines, caches
        for _ in range(rounds):
            for name, engine in engines.items():
                took[name] += _timed(engine, queries)
        for name, values in took.items():
            print("  " + _figures(name, values))
        base = statistics.median(took["one index (embedded)"])
        for name in list(engines)[1:]:
            print(f"  {name}: median {statistics.median(took[name]) / base:.2f} x one index")
        for engine in engines.values():
            engine.close()
    finally:
        cluster.stop()


def build(root: Path, corpus: Path) -> None:
    print("build: `searchd index --rebuild`, 2 shards, 1 copy, 1 index process per shard")
    for workers in (1, 2):
        cluster = LocalCluster(root, workers)
        try:
            cluster.wait_for(workers)
            config = _config(root, corpus, f"b{workers}", cluster, 2, 1, processes=1)
            started = time.perf_counter()
            report = index_cluster(config, rebuild=True)
            print(f"  {workers} worker(s): {report.total().indexed} documents in "
                  f"{time.perf_counter() - started:.1f} s")
        finally:
            cluster.stop()


def kill(root: Path, corpus: Path, queries: list[str]) -> None:
    print("kill: SIGKILL of a worker and its nanny under a query load (3 workers, 3 x 2)")
    cluster = LocalCluster(root, 3)
    try:
        cluster.wait_for(3)
        config = _config(root, corpus, "k3", cluster, 3, 2)
        index_cluster(config)
        engine = engine_for(config, serving=True)
        _timed(engine, queries[:30])
        done, failed, stop = [0], [0], threading.Event()
        load = threading.Thread(target=_load, args=(engine, queries, done, failed, stop))
        load.start()
        time.sleep(3)
        killed = time.perf_counter()
        cluster.kill_worker("w2")
        _wait(lambda: engine.readiness()[0] == "ready" and "w2" not in
              engine.cluster.workers(), 300)
        print(f"  every shard has 2 copies again {time.perf_counter() - killed:.1f} s "
              "after the kill")
        time.sleep(2)
        stop.set()
        load.join()
        print(f"  searches: {done[0]} answered, {failed[0]} failed")
        engine.close()
    finally:
        cluster.stop()


def _load(engine: Any, queries: list[str], done: list[int], failed: list[int],
          stop: threading.Event) -> None:
    while not stop.is_set():
        for text in queries:
            if stop.is_set():
                return
            try:
                engine.search(text)
                done[0] += 1
            except Exception as exc:  # noqa: BLE001 - counted, that is the measurement
                failed[0] += 1
                print(f"  failed: {text!r}: {exc}")


def _wait(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the cluster did not recover")
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="latency,build,kill")
    args = parser.parse_args()
    queries = _queries(args.queries)
    with tempfile.TemporaryDirectory(prefix="searchd-bench-cluster-") as scratch:
        root = Path(scratch)
        parts = args.only.split(",")
        if "latency" in parts:
            latency(root, args.corpus.resolve(), queries, args.rounds)
        if "build" in parts:
            build(root, args.corpus.resolve())
        if "kill" in parts:
            kill(root, args.corpus.resolve(), queries)


if __name__ == "__main__":
    main()
