"""The installed `searchd` command, end to end: index, search, serve over HTTP."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from .server import SEARCHD, searchd

pytestmark = pytest.mark.server  # starts servers or watchers: not in `make check`


@pytest.mark.skipif(not SEARCHD.exists(), reason="the searchd command is not installed")
def test_index_and_search_with_the_installed_command(tmp_path: Path, seeds: Path) -> None:
    conf = tmp_path / "config.toml"
    conf.write_text('[paths]\nseeds = "seeds"\nindex = "index"\n')
    assert "4 indexed" in searchd(conf, "index").stdout
    out = searchd(conf, "search", "strijder", "--json")
    assert out.returncode == 0, out.stderr
    hit = json.loads(out.stdout)["hits"][0]
    assert hit["id"] == "kat.txt" and "<mark>strijders</mark>" in hit["snippet"]
    bad = searchd(conf, "search", "x", "--page", "0")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "page" in bad.stderr


@pytest.mark.skipif(not SEARCHD.exists(), reason="the searchd command is not installed")
def test_serve_answers_http(served: str) -> None:
    with urllib.request.urlopen(served + "/api/search?q=strijder") as response:
        assert response.headers["Content-Type"] == "application/json"
        assert json.load(response)["hits"][0]["id"] == "kat.txt"
    with urllib.request.urlopen(served + "/?q=strijder") as response:
        assert "<mark>strijders</mark>" in response.read().decode()


@pytest.mark.skipif(not SEARCHD.exists(), reason="the searchd command is not installed")
def test_serve_uses_worker_processes_and_dies_with_its_watcher(tmp_path: Path,
                                                               seeds: Path) -> None:
    """serve --watch: the watcher is the parent; the server (a gunicorn master and its
    workers) stops when the parent is killed, so no orphan keeps the port."""
    import signal
    import subprocess
    import time

    from .server import free_port, wait_for

    port = free_port()
    conf = tmp_path / "config.toml"
    conf.write_text(f'[paths]\nseeds = "seeds"\nindex = "index"\n'
                    f'[server]\nport = {port}\nworkers = 2\n')
    base = f"http://127.0.0.1:{port}"
    with open(tmp_path / "serve.log", "wb") as log:
        proc = subprocess.Popen([str(SEARCHD), "--config", str(conf), "serve", "--watch"],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(base + "/healthz")
        assert "2 worker processes" in (tmp_path / "serve.log").read_text()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
            except OSError:
                return  # gone
            time.sleep(0.2)
        pytest.fail("the server kept running after its parent was killed")
    finally:
        if proc.poll() is None:
            proc.kill()
