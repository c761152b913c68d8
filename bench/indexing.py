#!/usr/bin/env python3
"""Index a seed folder from scratch and print throughput; run by hand, never by `make test`.

    .venv/bin/python bench/indexing.py --corpus DIR [--runs 3] [--json out.json]

Prints docs/s, MB/s, index size and peak memory (this process and its workers), median of
the runs. Runs the searchd found on PYTHONPATH, so two versions can be measured side by side:
    PYTHONPATH=/path/to/other/checkout .venv/bin/python bench/indexing.py --corpus DIR
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from report import peak_rss_mb, report

from searchd.config import config_from_dict
from searchd.sync import sync_index


def corpus_size(root: Path) -> tuple[int, int]:
    """Number of seed files and their bytes."""
    files = list(root.rglob("*.txt"))
    return len(files), sum(f.stat().st_size for f in files)


def build_once(corpus: Path) -> tuple[float, int]:
    """Seconds for one full build into a fresh folder, and the index's bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        config = config_from_dict({"paths": {"seeds": str(corpus.resolve()), "index": tmp}},
                                  Path(tmp))
        started = time.perf_counter()
        sync_index(config, rebuild=True)
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(tmp).iterdir() if p.is_file())
    return seconds, size


def main() -> None:
    """Parse arguments, run the builds, print and optionally save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    docs, size = corpus_size(args.corpus)
    runs = [build_once(args.corpus) for _ in range(args.runs)]
    seconds = statistics.median(r[0] for r in runs)
    figures = {"corpus": str(args.corpus), "documents": docs, "mb": round(size / 1e6, 2),
               "runs_s": [round(r[0], 2) for r in runs], "median_s": round(seconds, 2),
               "docs_per_s": round(docs / seconds, 1), "mb_per_s": round(size / 1e6 / seconds, 3),
               "index_mb": round(runs[0][1] / 1e6, 1), "peak_rss_mb": peak_rss_mb()}
    report(figures, args.json)


if __name__ == "__main__":
    main()
