"""The HTTP server under slow, silent and malformed clients (searchd/web/worker.py)."""

from __future__ import annotations

import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchd.web.worker import (
    MAX_BODY_BYTES,
    MAX_HEAD_BYTES,
    MAX_REQUEST_LINE,
    is_probe,
    request_state,
)

from .server import SEARCHD

pytestmark = [pytest.mark.server,
              pytest.mark.skipif(not SEARCHD.exists(), reason="searchd is not installed")]


@pytest.mark.parametrize("data, state", [
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "complete"),
    (b"GET / HTTP/1.0\n\n", "complete"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n", "incomplete"),
    (b"", "incomplete"),
    (b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nab", "incomplete"),
    (b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd", "complete"),
    (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1), 413),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411),
    (b"GET /" + b"a" * MAX_REQUEST_LINE + b" HTTP/1.1\r\n", 414),
    (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * (MAX_HEAD_BYTES // 6), 431),
])
def test_request_state(data: bytes, state: object) -> None:
    assert request_state(data) == state


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real `searchd serve` (2 workers of 4 threads) for this module."""
    from .conftest import DOCS, module_server

    with module_server(tmp_path_factory, "server", DOCS) as base:
        yield base


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def _raw(base: str, data: bytes) -> bytes:
    """Send data on a new connection and read the answer until the server closes it."""
    with socket.create_connection(("127.0.0.1", _port(base)), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _timed_get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        response.read()
    return time.perf_counter() - started


@pytest.mark.parametrize("send", [b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b""])
def test_slow_and_silent_sockets_do_not_hold_the_server(server: str, send: bytes) -> None:
    """300 connections that never finish a request (far more than the 8 threads): gthread
    gave each a thread, and /healthz and searches timed out."""
    sockets = []
    try:
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", _port(server)), timeout=5)
            sock.sendall(send)
            sockets.append(sock)
        for sock in sockets[:50]:
            sock.sendall(b"X-Slow: 1\r\n" if send else b"G")
        times = [_timed_get(server + "/healthz") for _ in range(5)]
        times += [_timed_get(server + "/api/search?q=stad+fietsen") for _ in range(5)]
        assert max(times) < 2.0, times
    finally:
        for sock in sockets:
            sock.close()


def test_a_request_arriving_in_pieces_is_answered(server: str) -> None:
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=10) as sock:
        for piece in (b"GET /api/search?q=st", b"ad HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
            sock.sendall(piece)
            time.sleep(0.2)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and b'"total":' in answer


@pytest.mark.parametrize("data, status", [
    (b"NONSENSE\r\n\r\n", b"400"),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", b"414"),
    (b"GET / HTTP/1.1\r\nX: " + b"y" * 20000 + b"\r\n\r\n", b"431"),
    (b"POST /api/search HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", b"411"),
])
def test_refused_requests_get_pages_with_security_headers(server: str, data: bytes,
                                                         status: bytes) -> None:
    answer = _raw(server, data)
    head = answer.split(b"\r\n\r\n", 1)[0]
    assert head.startswith(b"HTTP/1.1 " + status), head
    assert b"Content-Security-Policy: default-src 'self'" in head
    assert b"X-Content-Type-Options: nosniff" in head


def test_the_server_stops_at_once_with_idle_connections_open(tmp_path: Path,
                                                             seeds: Path) -> None:
    """A browser keeps idle spare connections; the worker waited for them to time out
    before it stopped (10 s)."""
    import subprocess

    from .server import free_port, searchd, wait_for

    port = free_port()
    conf = tmp_path / "config.toml"
    conf.write_text(f'[paths]\nseeds = "seeds"\nindex = "index"\n[server]\nport = {port}\n')
    assert searchd(conf, "index").returncode == 0
    proc = subprocess.Popen([str(SEARCHD), "--config", str(conf), "serve"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    idle = []
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
        time.sleep(0.3)
        started = time.monotonic()
        proc.terminate()
        proc.wait(timeout=20)
        assert time.monotonic() - started < 4
    finally:
        for sock in idle:
            sock.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_client_that_expects_100_continue_gets_it(server: str) -> None:
    """curl asks before sending a body over 1 KB; without the answer both sides waited."""
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=10) as sock:
        sock.sendall(b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n"
                     b"Expect: 100-continue\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(b"x" * 2000)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    # searchd takes no POST there, but it answers, and says "100 Continue" only once
    assert answer.startswith(b"HTTP/1.1 405") and b"100 Continue" not in answer


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    import socket

    from .server import free_port, searchd

    port = free_port()
    conf = tmp_path / "config.toml"
    conf.write_text(f'[paths]\nseeds = "seeds"\nindex = "index"\n[server]\nport = {port}\n')
    (tmp_path / "seeds").mkdir()
    with socket.create_server(("127.0.0.1", port)):
        result = searchd(conf, "serve")
    assert result.returncode == 1
    assert "in use" in result.stderr.lower() or "another program uses it" in result.stderr
    assert "--port" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("data, probe", [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", True),
    (b"HEAD /readyz?x=1 HTTP/1.0\r\n\r\n", True),
    (b"GET /healthzz HTTP/1.1\r\n\r\n", False),
    (b"GET /api/search?q=/healthz HTTP/1.1\r\n\r\n", False),
    (b"POST /healthz HTTP/1.1\r\n\r\n", False),
])
def test_probes_are_told_from_other_requests(data: bytes, probe: bool) -> None:
    assert is_probe(data) is probe


def test_health_probes_do_not_queue_behind_busy_searches(tmp_path: Path, seeds: Path) -> None:
    """Every search thread busy (searches held 6 s at a stall point): /healthz and /readyz
    are still answered at once, by threads of their own (they queued behind the searches:
    under a flood of made-up compounds /healthz took 776 ms at p95)."""
    import threading

    from .server import running_server

    marks = tmp_path / "stalled"
    marks.mkdir()
    env = {"SEARCHD_FAILPOINT": "search:stall", "SEARCHD_STALL_SECONDS": "6",
           "SEARCHD_STALL_MARKS": str(marks)}
    with running_server(tmp_path, server="workers = 1\nthreads = 2", env=env) as (base, _):
        busy = [threading.Thread(target=_ignore_errors, args=(f"{base}/api/search?q=wet{n}",))
                for n in range(4)]
        for thread in busy:
            thread.start()
        deadline = time.monotonic() + 30  # both search threads hold a search, two more wait
        while len(list(marks.iterdir())) < 2:
            assert time.monotonic() < deadline, "the searches never reached the stall point"
            time.sleep(0.02)
        assert _timed_get(base + "/healthz") < 1.0
        assert _timed_get(base + "/readyz") < 1.0
        for thread in busy:
            thread.join(timeout=30)


def _ignore_errors(url: str) -> None:
    try:
        urllib.request.urlopen(url, timeout=20).read()
    except OSError:
        pass
