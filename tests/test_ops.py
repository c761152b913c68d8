"""Operating the service: /metrics over several workers, the access log, /readyz."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .conftest import DOCS, write_seeds
from .server import running_server, wait_for_text

pytestmark = pytest.mark.server  # starts servers or watchers: not in `make check`

QUERIES = ["strijders", "fiets", "gemeente", "zzqxwv", "aanslag", "xqzzyv"]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def metric(text: str, name: str, labels: str = "") -> float:
    """The value of one sample of a Prometheus exposition."""
    pattern = re.escape(name) + (re.escape("{" + labels + "}") if labels else "") + r" (\S+)"
    found = re.search(r"^" + pattern + r"$", text, re.M)
    assert found, f"{name}{{{labels}}} not in the scrape"
    return float(found[1])


def search(base: str, query: str) -> dict:
    status, body = get(f"{base}/api/search?q={urllib.parse.quote(query)}")
    assert status == 200
    return json.loads(body)


def searches_counted_by_each_process(folder: Path) -> dict[str, float]:
    """searchd_searches_total as each process's own metric file holds it, by process id."""
    from prometheus_client.mmap_dict import MmapedDict

    counted: dict[str, float] = {}
    for path in folder.glob("counter_*.db"):
        values = MmapedDict.read_all_values_from_file(str(path))
        counted[path.stem.rsplit("_", 1)[-1]] = sum(
            value for key, value, *_ in values if '"searchd_searches_total"' in key)
    return counted


def test_metrics_add_up_over_two_workers(tmp_path: Path) -> None:
    """Every request counts once, whichever of the two worker processes answered it (their
    figures are files of one folder), a cached answer too; the index's facts are read at
    each scrape. Which worker accepts a connection is the kernel's choice (and a worker still
    warming up takes none), so searches are sent until each worker's own file shows that it
    answered some: the totals must then be the sum over both."""
    write_seeds(tmp_path / "seeds", DOCS)
    folder = tmp_path / "metrics"
    with running_server(tmp_path, server="workers = 2", env={
            "PROMETHEUS_MULTIPROC_DIR": str(folder)}) as (base, _):
        sent = zero = 0
        deadline = time.monotonic() + 90
        while sent < 60 or len([n for n in searches_counted_by_each_process(folder).values()
                                if n > 0]) < 2:
            assert time.monotonic() < deadline, "the second worker answered no search in 90 s"
            zero += search(base, QUERIES[sent % len(QUERIES)])["total"] == 0
            sent += 1
            if sent >= 60 and sent % 20 == 0:
                time.sleep(0.2)  # a worker still starting: give it time to take connections
        by_process = searches_counted_by_each_process(folder)
        get(f"{base}/api/doc/nope.txt")
        status, text = get(f"{base}/metrics")
    assert status == 200
    assert len([n for n in by_process.values() if n > 0]) >= 2
    assert sum(by_process.values()) == sent
    assert metric(text, "searchd_http_requests_total", 'route="/api/search",status="200"') == sent
    assert metric(text, "searchd_http_requests_total",
                  'route="/api/doc/<path:doc_id>",status="404"') == 1
    assert metric(text, "searchd_searches_total") == sent
    assert metric(text, "searchd_zero_result_searches_total") == zero
    assert zero == sum(QUERIES[n % len(QUERIES)].startswith(("zzq", "xqz")) for n in range(sent))
    assert metric(text, "searchd_http_request_duration_seconds_count",
                  'route="/api/search"') == sent
    assert metric(text, "searchd_index_documents") == len(DOCS)
    assert metric(text, "searchd_index_size_bytes") > 10_000
    assert metric(text, "searchd_watcher_up") == 0  # (no watcher: plain `serve`)


def test_sync_metrics_and_the_watcher_under_serve_watch(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path / "seeds", DOCS)
    with running_server(tmp_path, "--watch") as (base, _):
        (seeds / "nieuw.txt").write_text(" date 2020-01 Nieuw\n\nEen olifant.", "utf-8")
        deadline = time.monotonic() + 30  # (a wait, not a speed target: CI machines are busy)
        while search(base, "olifant")["total"] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert get(f"{base}/readyz") == (200, '{"status":"ready"}\n')
        _, text = get(f"{base}/metrics")
    assert metric(text, "searchd_sync_total", 'result="ok"') >= 2
    assert metric(text, "searchd_sync_duration_seconds_count") >= 2
    assert metric(text, "searchd_watcher_up") == 1
    assert metric(text, "searchd_skipped_files") == 0
    assert abs(metric(text, "searchd_last_sync_timestamp_seconds") - time.time()) < 60
    assert metric(text, "searchd_index_documents") == len(DOCS) + 1


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_access_log_line(tmp_path: Path, log_format: str) -> None:
    """Time, route (never the query string), status, duration and results; no client
    address unless configured; the slow-search log in the same format."""
    write_seeds(tmp_path / "seeds", DOCS)
    with running_server(tmp_path, server=f'access_log = true\nlog_format = "{log_format}"\n'
                        "slow_search_ms = 1\nworkers = 1") as (base, _):
        search(base, "strijders geheim")
        get(f"{base}/api/search?q=%22")
        route = "route=/api/search" if log_format == "text" else '"route": "/api/search"'
        deadline = time.monotonic() + 15
        while wait_for_text(tmp_path / "serve.log", "searchd.slow").count(route) < 2:
            assert time.monotonic() < deadline, "the access lines were not written"
            time.sleep(0.05)
    lines = (tmp_path / "serve.log").read_text("utf-8").splitlines()
    access = [line for line in lines if "searchd.access" in line]
    assert len(access) >= 3  # (healthz of the start, and the two searches)
    searched = next(line for line in access if "/api/search" in line and "200" in line)
    assert "geheim" not in searched and "127.0.0.1" not in searched
    if log_format == "json":
        fields = json.loads(searched)
        assert set(fields) == {"time", "level", "logger", "message", "method", "route",
                               "status", "duration_ms", "results"}
        assert (fields["route"], fields["status"], fields["results"]) == ("/api/search", 200, 1)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", fields["time"])
        assert all(json.loads(line) for line in lines if line.startswith("{"))
        slow = json.loads(next(line for line in lines if "searchd.slow" in line))
        assert slow["query"] == "strijders geheim" and slow["level"] == "warning"
    else:
        assert re.fullmatch(r"\S+Z info searchd\.access: request method=GET "
                            r"route=/api/search status=200 duration_ms=[\d.]+ results=1",
                            searched)


def test_the_client_address_is_logged_only_when_configured(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", DOCS)
    with running_server(tmp_path, server='access_log = true\nlog_client_address = true\n'
                        "workers = 1") as (base, _):
        search(base, "fiets")
        wait_for_text(tmp_path / "serve.log", "client=127.0.0.1")


def test_metrics_can_be_turned_off(tmp_path: Path) -> None:
    write_seeds(tmp_path / "seeds", DOCS)
    with running_server(tmp_path, server="metrics = false\nworkers = 1") as (base, _):
        assert get(f"{base}/metrics")[0] == 404
        assert search(base, "fiets")["total"] == 1


def test_readyz_without_an_index(tmp_path: Path) -> None:
    from searchd.config import config_from_dict
    from searchd.web import create_app

    app = create_app(config_from_dict({}, tmp_path))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["status"] == "not ready"


def test_readyz_is_not_ready_while_the_watcher_is_stopped(built) -> None:  # type: ignore[no-untyped-def]
    from searchd.web import create_app

    app = create_app(built)
    assert app.test_client().get("/readyz").status_code == 200
    app.config["SEARCHD_WATCHED"] = True  # and no watcher ever ran
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and "watcher" in response.json["reason"]


def test_searches_just_before_a_stop_are_counted(tmp_path: Path) -> None:
    from searchd.analytics import report

    write_seeds(tmp_path / "seeds", DOCS)
    with running_server(tmp_path, server="workers = 2") as (base, _):
        for _ in range(5):
            search(base, "fiets")
    found = report(tmp_path / "index", days=1, limit=5)
    assert [(c.query, c.count) for c in found.popular] == [("fiets", 5)]


def test_the_first_searches_of_a_process_counted_at_once_are_all_counted(
        tmp_path: Path) -> None:
    """A worker's first requests come together: each thread that counts one must find the
    metrics made once (prometheus_client refused the second registration, and those
    searches went uncounted with a traceback in the log)."""
    import os
    import subprocess
    import sys

    code = """
import threading
from searchd import metrics
metrics.prepare()
start, failed = threading.Barrier(16), []
def count():
    start.wait()
    try:
        metrics.count_search(0)
    except Exception as exc:
        failed.append(exc)
threads = [threading.Thread(target=count) for _ in range(16)]
[t.start() for t in threads]
[t.join() for t in threads]
from prometheus_client import CollectorRegistry, multiprocess
registry = CollectorRegistry()
multiprocess.MultiProcessCollector(registry)
print(len(failed), registry.get_sample_value("searchd_searches_total"))
"""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PROMETHEUS_MULTIPROC_DIR", "SEARCHD_METRICS_PREPARED")}
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    for _ in range(3):  # (the race needs threads that arrive together)
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True)
        assert done.stdout.split() == ["0", "16.0"], done.stdout + done.stderr
