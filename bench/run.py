#!/usr/bin/env python3
"""The benchmark suite: searchd side by side with stock Whoosh, tantivy and SQLite FTS5 on the
same documents and queries. Run by hand (never by `make test`):

    .venv/bin/pip install -e '.[bench]'            # the peers: tantivy (wrk: apt-get install wrk)
    .venv/bin/python bench/run.py --corpus DIR [--max-docs N] [--engines searchd,whoosh,...]
                                  [--queries 40] [--skip-http] [--json out.json]
    .venv/bin/python bench/run.py --built CONFIG     # searchd only, on an index built before

Per engine, in a fresh process each: a full build (docs/s, MB/s, index size, peak memory of
the process tree), adding one document, query latency p50/p95/p99 for 1-, 2-, 3-word and long
queries with and without snippets. For searchd also: `searchd search` cold start, facets,
completions, and HTTP throughput and latency of /api/search beside /healthz at concurrency 1,
8 and 32 (wrk when installed, else a Python load generator), and the server's memory.
Prints a table and writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engines import ENGINES, Doc, available, read_docs, scratch_copy  # noqa: E402
from http_load import http_figures  # noqa: E402
from memory import TreeSampler  # noqa: E402
from queries import CLASSES, distinct_queries, make_queries  # noqa: E402

SEARCHD = Path(sys.executable).with_name("searchd")
DISTINCT = 8000  # queries for the HTTP load that never repeats one


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def latency(values_s: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds."""
    return {f"p{int(q * 100)}_ms": round(percentile(values_s, q) * 1000, 2)
            for q in (0.5, 0.95, 0.99)}


# ---- worker side: one engine, one phase, in its own process ----

def worker(args: argparse.Namespace) -> dict[str, Any]:
    """Run one phase for one engine; return its figures."""
    engine = ENGINES[args.worker]()
    corpus, folder = args.corpus, args.index
    if args.phase == "build":
        started = time.perf_counter()
        engine.build(corpus, folder)
        return {"seconds": time.perf_counter() - started}
    engine.open(corpus, folder)
    queries = json.loads(args.queries_file.read_text(encoding="utf-8"))
    figures: dict[str, Any] = {}
    warm = [q for qs in queries.values() for q in qs][:20]
    for text in warm:
        engine.search(text, snippets=True)
    for snippets in (False, True):
        for name in CLASSES:
            engine.forget()  # each class starts without postings cached by earlier ones
            times = []
            for text in queries[name]:
                started = time.perf_counter()
                engine.search(text, snippets=snippets)
                times.append(time.perf_counter() - started)
            figures[f"{name}{' +snippets' if snippets else ''}"] = latency(times)
    if args.worker == "searchd":
        figures.update(_searchd_extras(engine, queries))
    if args.no_add:
        return figures
    new = Doc("zz-bench-new.txt", "Nieuw document voor de benchmark",
              "De minister van Financiën kondigde een nieuwe belasting aan. " * 20)
    started = time.perf_counter()
    engine.add_one(new, corpus)
    figures["add_one_s"] = round(time.perf_counter() - started, 3)
    return figures


def _searchd_extras(engine: Any, queries: dict[str, list[str]]) -> dict[str, Any]:
    """What only searchd offers: facets over all matches, completions."""
    times = []
    for text in queries["2 words"]:
        started = time.perf_counter()
        engine.search(text, snippets=True, facets=True)
        times.append(time.perf_counter() - started)
    prefixes = [q.split()[0][:n] for q in queries["1 word"] for n in (2, 3, 5)]
    engine.engine.complete("wa")  # builds the completion table once per index state
    done = []
    for prefix in prefixes:
        started = time.perf_counter()
        engine.engine.complete(prefix)
        done.append(time.perf_counter() - started)
    return {"2 words +snippets +facets": latency(times), "suggest": latency(done)}


# ---- orchestrator side ----

def run_phase(engine: str, phase: str, corpus: Path, index: Path,
              queries_file: Path | None = None, add: bool = True) -> dict[str, Any]:
    """Run one phase in a child process while sampling the memory of its process tree."""
    command = [sys.executable, __file__, "--worker", engine, "--phase", phase,
               "--corpus", str(corpus), "--index", str(index)] + ([] if add else ["--no-add"])
    if queries_file is not None:
        command += ["--queries-file", str(queries_file)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    with TreeSampler(proc.pid) as sampler:
        out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{engine} {phase} failed (exit {proc.returncode})")
    figures = json.loads(out.strip().splitlines()[-1])
    figures["peak_tree_rss_mb"] = sampler.peak_mb
    return figures


def bench_engine(name: str, seeds: Path, size: int, docs: int,
                 queries_file: Path) -> dict[str, Any]:
    """Build, query and add one document with one engine; its figures."""
    index = Path(tempfile.mkdtemp(prefix=f"searchd-bench-{name}-"))
    try:
        build = run_phase(name, "build", seeds, index)
        index_bytes = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())
        query = run_phase(name, "query", seeds, index, queries_file)
    finally:
        shutil.rmtree(index, ignore_errors=True)
        (seeds / "zz-bench-new.txt").unlink(missing_ok=True)
    seconds = build["seconds"]
    return {"build_s": round(seconds, 2), "docs_per_s": round(docs / seconds, 1),
            "mb_per_s": round(size / 1e6 / seconds, 3), "index_mb": round(index_bytes / 1e6, 1),
            "build_peak_rss_mb": build["peak_tree_rss_mb"],
            "query_peak_rss_mb": query.pop("peak_tree_rss_mb"), **query}


def cold_start(seeds: Path, queries: dict[str, list[str]], distinct: list[str],
               runs: int = 7, built: Path | None = None) -> dict[str, Any]:
    """Wall time of `searchd search QUERY` in a new process on a built index (the one of
    the `built` config, or one built here), then the HTTP figures on that index."""
    work = Path(tempfile.mkdtemp(prefix="searchd-bench-cold-"))
    try:
        conf = work / "config.toml"
        index = _built_paths(built)[1] if built else work / "index"
        conf.write_text(f'[paths]\nseeds = "{seeds}"\nindex = "{index}"\n')
        if built is None:
            subprocess.run([str(SEARCHD), "--config", str(conf), "index"], check=True,
                           capture_output=True)
        prepare_as_make()
        times = []
        for n in range(runs):
            text = queries["2 words"][n % len(queries["2 words"])]
            started = time.perf_counter()
            subprocess.run([str(SEARCHD), "--config", str(conf), "search", text], check=True,
                           capture_output=True)
            times.append(time.perf_counter() - started)
        http = http_figures(conf, queries, distinct)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"cold_start_median_s": round(statistics.median(times), 3),
            "cold_start_runs_s": [round(t, 3) for t in times], "http": http}


def prepare_as_make() -> None:
    """What `make` (its prepare step) does before it runs searchd, as pip does for the
    packages it installs: compile searchd's bytecode (an editable install is not compiled;
    under PYTHONDONTWRITEBYTECODE every start would compile it again) and unpack the
    lexicon. The cold start is then a user's."""
    package = Path(__file__).resolve().parent.parent / "searchd"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    subprocess.run([sys.executable, "-c",
                    "from searchd.analysis.lexicon import unpack; unpack()"], check=True)


def print_table(figures: dict[str, Any]) -> None:
    """The figures as aligned text tables, with ratios to stock Whoosh."""
    engines = figures["engines"]
    names = list(engines)
    base = engines.get("whoosh")
    rows = [("build docs/s", "docs_per_s"), ("build MB/s", "mb_per_s"),
            ("index MB", "index_mb"), ("build peak RSS MB", "build_peak_rss_mb"),
            ("query process RSS MB", "query_peak_rss_mb"), ("add one doc s", "add_one_s")]
    print(f"\ncorpus {figures['corpus']}: {figures['documents']} docs, {figures['mb']} MB\n")
    print(f"{'':<30}" + "".join(f"{n:>14}" for n in names))
    for label, key in rows:
        print(f"{label:<30}" + "".join(f"{engines[n].get(key, '-'):>14}" for n in names))
    if base and all("mb_per_s" in engines[n] for n in names):
        print(f"{'MB/s vs stock whoosh':<30}"
              + "".join(f"{engines[n]['mb_per_s'] / base['mb_per_s']:>13.2f}x" for n in names))
    for suffix in ("", " +snippets"):
        for cls in CLASSES:
            key = cls + suffix
            print(f"{key + ' p50/p95 ms':<30}" + "".join(
                f"{engines[n][key]['p50_ms']:>7.1f}/{engines[n][key]['p95_ms']:<6.1f}"
                for n in names))
    extras = figures.get("searchd_only")
    if extras:
        print("\nsearchd only:", json.dumps(extras, indent=1))


def main() -> None:
    """Parse arguments; run as the orchestrator, or as one engine's worker."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--built", type=Path, metavar="CONFIG",
                        help="measure searchd only, on the index of this config file")
    parser.add_argument("--max-docs", type=int, help="only the first N seed files")
    parser.add_argument("--engines", default="searchd,whoosh,tantivy,fts5")
    parser.add_argument("--queries", type=int, default=40, help="queries per class")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--worker", choices=sorted(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=["build", "query"], help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--queries-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-add", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return
    if args.built:
        figures = on_built_index(args)
        print_table(figures)
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    if args.corpus is None:
        parser.error("give --corpus DIR or --built CONFIG")
    seeds = scratch_copy(args.corpus.resolve(), args.max_docs)
    try:
        figures = orchestrate(args, seeds)
    finally:
        shutil.rmtree(seeds.parent, ignore_errors=True)
    print_table(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))


def _built_paths(config_file: Path) -> tuple[Path, Path]:
    """The seeds and index folders of a config file."""
    from searchd.config import load_config

    config = load_config(config_file)
    return config.seeds, config.index


def on_built_index(args: argparse.Namespace) -> dict[str, Any]:
    """searchd's query, cold-start, HTTP and memory figures on an index built before."""
    seeds, index = _built_paths(args.built)
    docs = list(read_docs(seeds))
    size = sum(p.stat().st_size for p in seeds.rglob("*.txt"))
    queries = make_queries([d.body for d in docs], args.queries)
    work = Path(tempfile.mkdtemp(prefix="searchd-bench-built-"))
    try:
        queries_file = work / "queries.json"
        queries_file.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
        query = run_phase("searchd", "query", seeds, index, queries_file, add=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures: dict[str, Any] = {"corpus": str(seeds), "documents": len(docs),
                               "mb": round(size / 1e6, 2), "queries": queries,
                               "engines": {"searchd": {
                                   "index_mb": round(sum(p.stat().st_size for p in
                                                         index.iterdir()) / 1e6, 1),
                                   "query_peak_rss_mb": query.pop("peak_tree_rss_mb"),
                                   **query}}}
    if not args.skip_http:
        distinct = distinct_queries([d.body for d in docs], DISTINCT)
        figures["searchd_only"] = cold_start(seeds, queries, distinct, built=args.built)
    return figures


def orchestrate(args: argparse.Namespace, seeds: Path) -> dict[str, Any]:
    """Every engine in turn on the same seeds and queries, then searchd's own figures."""
    docs = list(read_docs(seeds))
    size = sum(p.stat().st_size for p in seeds.rglob("*.txt"))
    queries = make_queries([d.body for d in docs], args.queries)
    queries_file = seeds.parent / "queries.json"
    queries_file.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    figures: dict[str, Any] = {"corpus": str(args.corpus), "documents": len(docs),
                               "mb": round(size / 1e6, 2), "queries": queries,
                               "machine": {"cpus": os.cpu_count()}, "engines": {}}
    for name in args.engines.split(","):
        missing = available(name)
        if missing:
            print(f"skipping {name}: {missing}", file=sys.stderr)
            continue
        print(f"{name} ...", file=sys.stderr, flush=True)
        figures["engines"][name] = bench_engine(name, seeds, size, len(docs), queries_file)
    if "searchd" in args.engines.split(",") and not args.skip_http:
        print("searchd cold start and HTTP ...", file=sys.stderr, flush=True)
        distinct = distinct_queries([d.body for d in docs], DISTINCT)
        figures["searchd_only"] = cold_start(seeds, queries, distinct)
    return figures


if __name__ == "__main__":
    main()
