"""Attack a running searchd server on this machine and measure what its users see meanwhile.

    .venv/bin/python bench/attack.py --url http://127.0.0.1:8080 [--scenario NAME ...]

For each scenario, a probe asks `/healthz` and a plain two-word search once every 0.25 s
(each with a 5 s timeout) while the attack runs, and prints the probes' latency (p50, p95,
max) and how many failed; the same probes with no attack come first. Scenarios:

- idle:      no attack (the baseline)
- slowloris: SLOW sockets that each send one header line every 5 s and never finish
- crafted:   16 clients repeating costly queries (nested operators, `*`, ranges, many
             patterns, many common-word phrases), each a little different
- silent:    SLOW sockets that connect and send nothing
- madeup:    16 clients each sending searches of 100 made-up words, never the same twice
             (the costliest free text found: every word unknown, so every one is a
             candidate for typo look-ups and "Bedoelde u")
- compounds: 16 clients each sending 12 made-up compounds of real Dutch words
             (belastingpolitiezorgwater ...), or 2 of them among 10 common words, never
             the same twice: few enough words to pass as plain text, each made-up one
             split and looked up for near spellings
- chains:    16 clients each sending one "word" of real words joined by hyphens or
             apostrophes (up to 999 characters), never the same twice

Only loopback addresses are attacked; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

WORDS = ["minister", "vraag", "belasting", "regering", "gemeente", "wet", "artikel", "lid",
         "onderwijs", "zorg", "politie", "verkeer", "justitie", "europese", "burgers"]


def crafted_queries(seed: int) -> list[str]:
    """Costly queries of the kinds issue 13 found, varied so no cache answers them."""
    rnd = random.Random(seed)
    word = rnd.choice(WORDS)
    return [
        ("belasting ANDNOT " * 22) + word,
        "*",
        f"[a TO {word}]",
        " ".join(f"{a}{b}*" for a in "abcdefghij" for b in "aeiou") + f" {word}",
        " ".join(f'"de {rnd.choice(WORDS)} van {w}"' for w in WORDS),
        "(" * 40 + word + ")" * 40,
        " ".join(f"+{rnd.choice(WORDS)}" for _ in range(60)),
    ]


def made_up_query(rnd: random.Random, words: int = 100) -> str:
    """words made-up words of 6-8 letters (long enough to be looked up for typos), within
    the 1,000 characters a query may have."""
    text = " ".join("".join(rnd.choice("bcdfghklmnprstvz") + rnd.choice("aeiou")
                            for _ in range(rnd.randint(3, 4))) for _ in range(words))
    return text[:1000].rsplit(" ", 1)[0]


PARTS = ["belasting", "verkeer", "politie", "gemeente", "onderwijs", "zorg", "justitie",
         "regering", "minister", "raad", "wet", "dienst", "toeslag", "beleid", "veiligheid",
         "kinder", "opvang", "water", "staat", "huis"]


def compounds_query(rnd: random.Random, words: int = 12) -> str:
    """words made-up compounds of four real words each (within 1,000 characters), or every
    other time two of them among common words (the most unknown words a search may have
    outside the costly slot)."""
    made_up = ["".join(rnd.choice(PARTS) for _ in range(4)) for _ in range(words)]
    if rnd.random() < 0.5:
        made_up = made_up[:2] + rnd.sample(WORDS, words - 2)
    return " ".join(made_up)[:1000]


def chain_query(rnd: random.Random) -> str:
    """Real words joined by hyphens (or apostrophes) into one token of up to 999 characters."""
    joiner = rnd.choice("-'")
    return joiner.join(rnd.choice(PARTS + WORDS) for _ in range(120))[:999].rstrip("-'")


def get(url: str, timeout: float = 5.0) -> tuple[float, int]:
    """(seconds, status) of one GET; status 0 when it failed or timed out."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return time.perf_counter() - started, status


def probe(base: str, seconds: float) -> dict[str, dict[str, float]]:
    """Latency of /healthz and of a plain search, asked every 0.25 s for seconds."""
    figures: dict[str, list[tuple[float, int]]] = {"healthz": [], "search": []}
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        figures["healthz"].append(get(f"{base}/healthz"))
        query = urllib.parse.quote(f"{WORDS[n % len(WORDS)]} {WORDS[(n * 7) % len(WORDS)]}")
        figures["search"].append(get(f"{base}/api/search?q={query}&limit=10"))
        time.sleep(0.25)
    return {name: summary(values) for name, values in figures.items()}


def summary(values: list[tuple[float, int]]) -> dict[str, float]:
    """p50, p95 and max in ms of the successful ones, and the failures."""
    ok = sorted(t for t, status in values if status == 200)
    failed = len(values) - len(ok)
    if not ok:
        return {"n": len(values), "failed": failed}
    p95 = ok[min(len(ok) - 1, int(0.95 * len(ok)))]
    return {"n": len(values), "failed": failed, "p50_ms": round(statistics.median(ok) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1), "max_ms": round(ok[-1] * 1000, 1)}


def _half_request(host: str, port: int) -> socket.socket | None:
    """A new connection that has sent the first lines of a request, never its end."""
    try:
        sock = socket.create_connection((host, port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        return sock
    except OSError:
        return None


def slowloris(host: str, port: int, count: int, stop: threading.Event,
              send_lines: bool) -> None:
    """count sockets that never finish a request (one header line every 5 s, or none)."""
    sockets = [s for s in (_half_request(host, port) for _ in range(count)) if s]
    while not stop.wait(5.0):
        for s in list(sockets):
            try:
                if send_lines:
                    s.sendall(b"X-a: b\r\n")
            except OSError:  # the server closed it: open another
                sockets.remove(s)
                again = _half_request(host, port)
                if again is not None:
                    sockets.append(again)
    for s in sockets:
        s.close()


def crafted(base: str, client: int, stop: threading.Event, statuses: list[int]) -> None:
    """One client repeating costly queries until stop."""
    n = 0
    while not stop.is_set():
        for query in crafted_queries(client * 1000 + n):
            if stop.is_set():
                return
            _, status = get(f"{base}/api/search?q={urllib.parse.quote(query)}", timeout=30)
            statuses.append(status)
        n += 1


def made_up(base: str, client: int, stop: threading.Event, statuses: list[int],
            kind: str = "madeup") -> None:
    """One client sending searches of made-up words (or compounds) until stop."""
    rnd = random.Random(client)
    while not stop.is_set():
        make = {"compounds": compounds_query, "chains": chain_query}.get(kind, made_up_query)
        query = urllib.parse.quote(make(rnd))
        statuses.append(get(f"{base}/api/search?q={query}", timeout=30)[1])


def run(base: str, scenario: str, seconds: float, slow: int) -> dict[str, object]:
    """Probe figures while one attack scenario runs."""
    parsed = urllib.parse.urlparse(base)
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("attack only servers on this machine (loopback)")
    stop = threading.Event()
    statuses: list[int] = []
    threads = []
    if scenario in ("slowloris", "silent"):
        threads.append(threading.Thread(target=slowloris, args=(
            parsed.hostname, parsed.port, slow, stop, scenario == "slowloris")))
    elif scenario == "crafted":
        threads += [threading.Thread(target=crafted, args=(base, n, stop, statuses))
                    for n in range(16)]
    elif scenario in ("madeup", "compounds", "chains"):
        threads += [threading.Thread(target=made_up, args=(base, n, stop, statuses, scenario))
                    for n in range(16)]
    for thread in threads:
        thread.start()
    time.sleep(2.0 if threads else 0)
    figures: dict[str, object] = dict(probe(base, seconds))
    stop.set()
    for thread in threads:
        thread.join(timeout=40)
    if statuses:
        figures["attack_statuses"] = {str(s): statuses.count(s) for s in sorted(set(statuses))}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--scenario", action="append",
                        choices=["idle", "slowloris", "silent", "crafted", "madeup",
                                 "compounds", "chains"])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--slow", type=int, default=200, help="slow sockets")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    results = {}
    for scenario in args.scenario or ["idle", "slowloris", "silent", "crafted",
                                              "madeup", "compounds", "chains"]:
        results[scenario] = run(args.url.rstrip("/"), scenario, args.seconds, args.slow)
        print(f"{scenario:>10}: {json.dumps(results[scenario])}", flush=True)
        time.sleep(2.0)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
