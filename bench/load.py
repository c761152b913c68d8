#!/usr/bin/env python3
"""Load test on loopback: /api/search under concurrency while documents come and go, then a
server killed mid-load and restarted. Run by hand, never by `make test`:

    .venv/bin/python bench/load.py --corpus DIR [--requests 20000] [--concurrency 32]

DIR must be a scratch copy of a seed folder (documents are added to it and removed). The
load is bounded in count and time and goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from report import run_threads

SEARCHD = Path(sys.executable).with_name("searchd")
QUERIES = ["belasting", "minister van justitie", "asielzoekers", "pensioen", "klimaat",
           "de veiligheid van de burgers", "onderwijs", "gezondheidszorg", "fiets*",
           "\"openbare dienst\"", "werkloosheid -jongeren", "Brussel", "zorg*", "NMBS"]
MAX_SECONDS = 600


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(conf: Path, port: int, log: Path) -> subprocess.Popen:
    """searchd serve --watch, waited for until /healthz answers."""
    proc = subprocess.Popen([str(SEARCHD), "--config", str(conf), "serve", "--watch"],
                            stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)  # its own process group: killed whole
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get(port, "/healthz")
            return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def get(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    """One GET; a new connection unless one is given."""
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def load(port: int, requests: int, concurrency: int, path_of) -> dict:  # type: ignore[no-untyped-def]
    """Send `requests` GETs from `concurrency` threads; latencies, errors, throughput."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    counter = iter(range(requests))
    lock = threading.Lock()
    stop_at = time.monotonic() + MAX_SECONDS

    def worker(_: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for n in counter:
            if time.monotonic() > stop_at:
                return
            started = time.perf_counter()
            try:
                status, _ = get(port, path_of(n), conn)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            with lock:
                latencies.append(time.perf_counter() - started)
                statuses[str(status)] = statuses.get(str(status), 0) + 1

    seconds = run_threads(worker, concurrency)
    latencies.sort()
    return {"requests": len(latencies), "seconds": round(seconds, 1),
            "throughput_rps": round(len(latencies) / seconds, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
            "statuses": statuses}


def churn(seeds: Path, stop: threading.Event, interval: float) -> int:
    """Add and remove documents while the load runs; the number of changes made."""
    changes = 0
    while not stop.is_set():
        path = seeds / f"zz_load_{changes % 20}.txt"
        if path.exists():
            path.unlink()
        else:
            path.write_text(f" date 2026-11 Belasting {changes}\n\nDe minister van "
                            f"Financiën en de belasting op fietsen ({changes}).\n")
        changes += 1
        stop.wait(interval)
    return changes


def main() -> None:
    """Run the load with churn, then the kill-and-restart check; print JSON figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--churn", type=float, default=1.0,
                        help="seconds between two document changes during the load")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="searchd-load-"))
    port = free_port()
    conf = work / "config.toml"
    conf.write_text(f'[paths]\nseeds = "{args.corpus}"\nindex = "{work / "index"}"\n'
                    f'[server]\nport = {port}\n')
    subprocess.run([str(SEARCHD), "--config", str(conf), "index"], check=True)
    server = start_server(conf, port, work / "serve.log")
    paths = [f"/api/search?q={quote(q)}" for q in QUERIES]
    try:
        stop = threading.Event()
        churner = threading.Thread(target=churn, args=(args.corpus, stop, args.churn))
        churner.start()
        figures = {"search_under_churn": load(port, args.requests, args.concurrency,
                                              lambda n: paths[n % len(paths)])}
        stop.set()
        churner.join()
        for path in args.corpus.glob("zz_load_*.txt"):
            path.unlink()
        time.sleep(3)  # let the watcher sync the clean-up
        before = {p: json.loads(get(port, p)[1])["hits"] for p in paths}
        # SIGKILL to the watcher, the gunicorn master and its workers at once: a crash
        killer = threading.Timer(2.0, lambda: os.killpg(server.pid, signal.SIGKILL))
        killer.start()
        figures["killed_mid_load"] = load(port, 2_000, args.concurrency,
                                          lambda n: paths[n % len(paths)])
        server.wait()
        server = start_server(conf, port, work / "serve.log")
        after = {p: json.loads(get(port, p)[1])["hits"] for p in paths}
        figures["same_results_after_restart"] = before == after
    finally:
        server.terminate()
        server.wait()
        _show_errors(work / "serve.log")
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, indent=2))


def _show_errors(log: Path) -> None:
    """Print the server's tracebacks (a 500 is logged with one) to stderr."""
    text = log.read_text(errors="replace") if log.exists() else ""
    for block in text.split("Traceback (most recent call last):")[1:]:
        print("server traceback:" + block[:3000], file=sys.stderr)


if __name__ == "__main__":
    main()
