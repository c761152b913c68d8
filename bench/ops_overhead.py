#!/usr/bin/env python3
"""What operating figures cost: /api/search throughput with metrics, the access log (JSON)
and search analytics on, against all three off. Run by hand, never by `make test`.

    .venv/bin/python bench/ops_overhead.py --corpus DIR [--seconds 10] [--rounds 3]

Builds the index of DIR in a scratch folder, then serves it in turns with the operations on
and off (one server at a time, on the same index), each turn loading /api/search with
distinct queries (every request a search) and with a mix of popular queries (answered by
the result cache, where the figures cost the most in proportion). Prints the medians of the
requests per second and the ratio on/off.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

from http_load import SEARCHD, _load, _wait_for, free_port
from queries import distinct_queries, make_queries
from report import report

from searchd.config import config_from_dict
from searchd.documents import list_seed_files
from searchd.sync import sync_index

SETTINGS = {
    "off": "metrics = false\naccess_log = false\n[analytics]\nenabled = false\n",
    "on": 'metrics = true\naccess_log = true\nlog_format = "json"\n[analytics]\n'
          "enabled = true\n",
}


def serve_and_load(folder: Path, mode: str, loads: dict[str, list[str]], concurrency: int,
                   seconds: int) -> dict[str, float]:
    """Start a server with the settings of mode, load it with each list of paths, stop it."""
    port = free_port()
    conf = folder / f"{mode}.toml"
    conf.write_text(f'[paths]\nseeds = "seeds"\nindex = "index"\n[server]\nport = {port}\n'
                    f"{SETTINGS[mode]}", encoding="utf-8")
    with open(folder / f"{mode}.log", "ab") as log:
        server = subprocess.Popen([str(SEARCHD), "--config", str(conf), "serve"],
                                  stdout=log, stderr=log)
        try:
            _wait_for(port)
            _load(port, loads["popular"], concurrency, 2)  # warm up
            return {name: _load(port, paths, concurrency, seconds)["rps"]
                    for name, paths in loads.items()}
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="searchd-ops-"))
    (folder / "seeds").symlink_to(args.corpus.resolve())
    sync_index(config_from_dict({}, folder))
    bodies = [p.read_text("utf-8", errors="replace") for p in list_seed_files(args.corpus)]
    popular = [q for qs in make_queries(bodies, 25).values() for q in qs]
    distinct = distinct_queries(bodies, 40_000)
    figures: dict[str, list[float]] = {}
    for round_ in range(args.rounds):
        start = round_ * len(distinct) // args.rounds  # no query asked in two turns
        for mode in ("off", "on") if round_ % 2 == 0 else ("on", "off"):
            part = distinct[start:start + len(distinct) // (2 * args.rounds)]
            start += len(part)
            loads = {"popular": [f"/api/search?q={quote(q)}" for q in popular],
                     "distinct": [f"/api/search?q={quote(q)}" for q in part]}
            for name, rps in serve_and_load(folder, mode, loads, args.concurrency,
                                            args.seconds).items():
                figures.setdefault(f"{name} {mode}", []).append(rps)
    result: dict[str, object] = {"corpus": str(args.corpus), "concurrency": args.concurrency,
                                 "rounds": args.rounds}
    for name in ("popular", "distinct"):
        off = statistics.median(figures[f"{name} off"])
        on = statistics.median(figures[f"{name} on"])
        result.update({f"{name}_rps_off": round(off, 1), f"{name}_rps_on": round(on, 1),
                       f"{name}_on_over_off": round(on / off, 3),
                       f"{name}_runs_off": figures[f"{name} off"],
                       f"{name}_runs_on": figures[f"{name} on"]})
    report(result, args.json)


if __name__ == "__main__":
    main()
