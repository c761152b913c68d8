"""The installed `searchd` command, end to end: index, search, serve over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SEARCHD = Path(sys.executable).with_name("searchd")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def searchd(conf: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SEARCHD), "--config", str(conf), *args], capture_output=True,
                          text=True, timeout=60)


def wait_for(url: str, deadline: float = 20.0) -> None:
    end = time.monotonic() + deadline
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


@contextmanager
def running_server(folder: Path, *options: str) -> Iterator[tuple[str, Path]]:
    """Index folder/seeds and run `searchd serve` on it; yields (base URL, config file)."""
    port = free_port()
    conf = folder / "config.toml"
    conf.write_text(f'[paths]\nseeds = "seeds"\nindex = "index"\n[server]\nport = {port}\n')
    assert searchd(conf, "index").returncode == 0
    base = f"http://127.0.0.1:{port}"
    with open(folder / "serve.log", "wb") as log:
        proc = subprocess.Popen([str(SEARCHD), "--config", str(conf), "serve", *options],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(base + "/healthz")
            yield base, conf
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture
def served(tmp_path: Path, seeds: Path) -> Iterator[str]:
    """A real `searchd serve` over the tmp seeds; yields its base URL."""
    with running_server(tmp_path) as (base, _):
        yield base


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
    assert os.environ.get("FLASK_DEBUG") in (None, "", "0")
