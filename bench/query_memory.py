"""A server worker's memory under a stream of distinct queries of long made-up words.

    python bench/query_memory.py --corpus /path/to/seeds [--queries 100000] [--clients 4]

Indexes the corpus into a scratch folder, runs `searchd serve` with one worker on 127.0.0.1,
and sends distinct queries (five made-up words of 12-36 letters each, never repeated) from
a few client threads; prints the worker's RSS after 1,000 queries and at every checkpoint
after, and the difference between the last and the first (issue 24's bound: 100 MB).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory import descendants, rss_mb  # noqa: E402

SEARCHD = Path(sys.executable).with_name("searchd")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def made_up_query(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(LETTERS) for _ in range(rng.randint(12, 36)))
                    for _ in range(5))


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="searchd-qmem-"))
    port = free_port()
    conf = scratch / "config.toml"
    conf.write_text(f'[paths]\nseeds = "{args.corpus}"\nindex = "{scratch / "index"}"\n'
                    f"[server]\nport = {port}\nworkers = 1\nthreads = 4\n"
                    "[analytics]\nenabled = true\n")
    subprocess.run([str(SEARCHD), "--config", str(conf), "index"], check=True,
                   capture_output=True)
    server = subprocess.Popen([str(SEARCHD), "--config", str(conf), "serve"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        worker = [pid for pid in descendants(server.pid) if pid != server.pid]
        sent = 0
        lock = threading.Lock()
        checkpoints = sorted({1_000, 10_000, 25_000, 50_000, 75_000, args.queries})
        checkpoints = [c for c in checkpoints if c <= args.queries]
        figures: list[tuple[int, float]] = []

        def client(seed: int) -> None:
            nonlocal sent
            rng = random.Random(seed)
            while True:
                with lock:
                    if sent >= args.queries:
                        return
                    sent += 1
                url = f"{base}/api/search?q={urllib.parse.quote(made_up_query(rng))}"
                try:
                    urllib.request.urlopen(url, timeout=30).close()
                except urllib.error.HTTPError:
                    pass

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for mark in checkpoints:
            while sent < mark and any(t.is_alive() for t in threads):
                time.sleep(0.2)
            rss = rss_mb(worker)
            figures.append((mark, rss))
            print(f"after {mark:>7,} queries ({time.monotonic() - started:6.1f} s): worker "
                  f"RSS {rss:7.1f} MB", flush=True)
        for t in threads:
            t.join()
        first, last = figures[0][1], figures[-1][1]
        print(f"growth from {figures[0][0]:,} to {figures[-1][0]:,} queries: "
              f"{last - first:+.1f} MB")
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
