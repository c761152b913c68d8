"""Extraction in processes of their own, each with a time and a memory limit, several at
once: a file that loops, explodes in memory or crashes its reader costs one line with a
reason, nothing else. Each file is read by a fresh interpreter (`python -m
searchd.formats.child`, ~0.1 s to start): nothing of the indexing process (its threads,
its open index) is inherited, and a reader that dies takes nothing with it."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import SeedError
from . import Extracted

TIME_LIMIT = 60.0                   # seconds one file may take to read
MEMORY_LIMIT = 1024 * 1024 * 1024   # bytes of address space a reading process may have
MAX_FILE_BYTES = 256 * 1024 * 1024  # a larger document is not read
MAX_TEXT_CHARS = 32 * 1024 * 1024   # text past this many characters is not kept

Outcome = Extracted | SeedError
_numbers = itertools.count()


@dataclass
class _Running:
    key: str
    process: subprocess.Popen[bytes]
    out: Path
    deadline: float


def extract_file(fmt: str, path: Path) -> Extracted:
    """The extraction of one file in a limited process; SeedError with the reason when it
    cannot be read."""
    for _, outcome in extract_files([(path.name, fmt, path)], 1):
        if isinstance(outcome, SeedError):
            raise outcome
        return outcome
    raise SeedError("not read")  # (unreachable: one job, one outcome)


def extract_files(jobs: Iterable[tuple[str, str, Path]],
                  processes: int) -> Iterator[tuple[str, Outcome]]:
    """(key, Extracted or SeedError) for each (key, format, path) job, up to `processes`
    files at a time, in the order they finish."""
    pending = iter(jobs)
    running: list[_Running] = []
    with tempfile.TemporaryDirectory(prefix="searchd-extract-") as scratch:
        try:
            while True:
                while len(running) < max(processes, 1):
                    job = next(pending, None)
                    if job is None:
                        break
                    running.append(_start(Path(scratch), *job))
                if not running:
                    return
                time.sleep(0.005)
                for run in [r for r in running if r.process.poll() is not None or
                            time.monotonic() > r.deadline]:
                    running.remove(run)
                    yield run.key, _finish(run)
        finally:
            for run in running:
                run.process.kill()
                run.process.wait()


def _start(scratch: Path, key: str, fmt: str, path: Path) -> _Running:
    out = scratch / f"{next(_numbers)}.json"  # (each job a file of its own)
    limits = {"memory": MEMORY_LIMIT, "cpu": int(TIME_LIMIT) + 5, "bytes": MAX_FILE_BYTES,
              "chars": MAX_TEXT_CHARS}
    process = subprocess.Popen(
        [sys.executable, "-m", "searchd.formats.child", fmt, str(path), str(out),
         json.dumps(limits)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        close_fds=True)
    return _Running(key, process, out, time.monotonic() + TIME_LIMIT)


def _finish(run: _Running) -> Outcome:
    """What a finished, dead or overdue reading process came to."""
    code = run.process.poll()
    if code is None:
        run.process.kill()
        run.process.wait()
        return SeedError(f"took more than {TIME_LIMIT:.0f} s to read; not indexed")
    try:
        answer = json.loads(run.out.read_text(encoding="utf-8"))
        run.out.unlink()
    except (OSError, ValueError):
        reason = (f"needs more than {MEMORY_LIMIT >> 20} MB of memory to read"
                  if code in (-6, -9, -11) or code == 1 else
                  f"took more than {TIME_LIMIT:.0f} s of CPU to read" if code == -24 else
                  f"its reader stopped (exit {code})")
        return SeedError(f"{reason}; not indexed")
    if "error" in answer:
        return SeedError(answer["error"])
    return Extracted(**answer["found"])
