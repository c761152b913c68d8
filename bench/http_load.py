"""HTTP figures: /api/search beside /healthz on one `searchd serve`, at several concurrencies.

wrk (Debian's package) is used when it is installed: it is written in C and leaves the cores
to the server. Otherwise a Python load generator (threads, keep-alive) stands in; it competes
with the server for the CPU, so its figures are lower bounds.
"""

from __future__ import annotations

import http.client
import re
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
from typing import Any
from urllib.parse import quote

from memory import descendants, pss_mb, rss_mb
from report import run_threads

SEARCHD = Path(sys.executable).with_name("searchd")
CONCURRENCY = (1, 8, 32)
SECONDS = 10
WARM_UP = 3  # seconds of the benchmark's queries before they are measured


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_figures(conf: Path, queries: dict[str, list[str]], distinct: list[str],
                 seconds: float = SECONDS) -> dict[str, Any]:
    """Start searchd serve on conf's index, load it, measure its memory, stop it. /api/search
    is loaded twice: with the benchmark's queries in turn (each asked again and again, as
    popular queries are: after a warm-up the result cache answers them) and with distinct
    queries, none asked twice while they last (every request a search)."""
    port = free_port()
    served = conf.with_name("serve.toml")
    served.write_text(conf.read_text() + f"[server]\nport = {port}\n")
    server = subprocess.Popen([str(SEARCHD), "--config", str(served), "serve"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        paths = [f"/api/search?q={quote(q)}" for qs in queries.values() for q in qs]
        figures: dict[str, Any] = {"tool": "wrk" if shutil.which("wrk") else "python",
                                   "distinct_queries": len(distinct)}
        unused = [f"/api/search?q={quote(q)}" for q in distinct]
        for c in CONCURRENCY:
            health = _load(port, ["/healthz"], c, seconds)
            _load(port, paths, 8, WARM_UP)  # the distinct load before pushed them out
            search = _load(port, paths, c, seconds)
            fresh = _load(port, unused, c, seconds)
            fresh["repeated"] = max(0, fresh["requests"] - len(unused))  # ran out: cycled
            unused = unused[fresh["requests"]:] or unused
            figures[f"c{c}"] = {"healthz": health, "search": search,
                                "search_vs_healthz": round(search["rps"] / health["rps"], 3),
                                "search_distinct": fresh,
                                "distinct_vs_healthz": round(fresh["rps"] / health["rps"], 3)}
        pids = descendants(server.pid)
        figures["server_processes"] = len(pids)
        figures["server_rss_mb"] = round(rss_mb(pids), 1)
        figures["server_pss_mb"] = round(pss_mb(pids), 1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return figures


def _wait_for(port: int, deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > end:
            raise SystemExit("the server did not start")
        time.sleep(0.2)


def _load(port: int, paths: list[str], concurrency: int, seconds: float) -> dict[str, Any]:
    if shutil.which("wrk"):
        return _wrk(port, paths, concurrency, seconds)
    return _python_load(port, paths, concurrency, seconds)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _wrk(port: int, paths: list[str], concurrency: int, seconds: float) -> dict[str, Any]:
    """Run wrk with a script that walks through paths; parse its report."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        listed = ",\n".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"'
                            for p in paths)
        script.write("local paths = {\n" + listed + "\n}\nlocal n = 0\n"
                     "request = function()\n  n = n + 1\n"
                     "  return wrk.format('GET', paths[(n % #paths) + 1])\nend\n")
    out = subprocess.run(["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}",
                          f"-d{seconds}s", "--latency", "--timeout", "10s", "-s", script.name,
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True,
                         check=True).stdout
    Path(script.name).unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    requests = int(re.search(r"(\d+) requests in", out)[1])
    latency = {f"p{q}_ms": _ms(re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s)", out, re.M))
               for q in (50, 99)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    return {"requests": requests, "rps": rps, **latency,
            "non_2xx": int(non_2xx[1]) if non_2xx else 0,
            "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0}


def _ms(match: re.Match[str] | None) -> float:
    return round(float(match[1]) * _UNITS[match[2]], 2) if match else float("nan")


def _python_load(port: int, paths: list[str], concurrency: int,
                 seconds: float) -> dict[str, Any]:
    """Keep-alive GETs from `concurrency` threads for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = offset
        while time.monotonic() < stop_at:
            n += concurrency
            started = time.perf_counter()
            try:
                conn.request("GET", paths[n % len(paths)])
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            with lock:
                latencies.append(time.perf_counter() - started)
                errors[0] += not ok

    elapsed = run_threads(worker, concurrency)
    latencies.sort()
    return {"requests": len(latencies), "rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 2),
            "non_2xx": errors[0], "socket_errors": 0}
