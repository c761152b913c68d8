"""What the benchmarks share: peak memory and printing figures."""

from __future__ import annotations

import json
import resource
import threading
import time
from collections.abc import Callable
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident memory of this process or of its largest finished child, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def run_threads(worker: Callable[[int], None], count: int) -> float:
    """Run worker(0) .. worker(count - 1) in threads at once; seconds until all are done."""
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def report(figures: dict[str, object], json_path: Path | None) -> None:
    """Print figures as an aligned table; also write them as JSON when asked."""
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:>{width}}: {value}")
    if json_path:
        json_path.write_text(json.dumps(figures, indent=2))
