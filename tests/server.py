"""Helpers for tests that run the installed `searchd` command and its server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def wait_for_text(path: Path, *texts: str, deadline: float = 15.0) -> str:
    """The content of a log file once it holds every one of texts (written by another
    process a moment after it answered); fails after deadline seconds."""
    end = time.monotonic() + deadline
    while True:
        content = path.read_text("utf-8") if path.exists() else ""
        if all(text in content for text in texts):
            return content
        assert time.monotonic() < end, f"{texts} not in {path.name} within {deadline} s"
        time.sleep(0.05)


@contextmanager
def running_server(folder: Path, *options: str, server: str = "", more: str = "",
                   env: dict[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """Index folder/seeds and run `searchd serve` on it; yields (base URL, config file).
    server: more lines of the [server] table; more: more tables of config.toml; env: more
    environment variables of the server."""
    port = free_port()
    conf = folder / "config.toml"
    conf.write_text(f'[paths]\nseeds = "seeds"\nindex = "index"\n[server]\nport = {port}\n'
                    f"{server}\n{more}\n")
    assert searchd(conf, "index").returncode == 0
    base = f"http://127.0.0.1:{port}"
    with open(folder / "serve.log", "wb") as log:
        proc = subprocess.Popen([str(SEARCHD), "--config", str(conf), "serve", *options],
                                stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})})
        try:
            wait_for(base + "/healthz")
            yield base, conf
        finally:
            proc.terminate()
            proc.wait(timeout=10)
