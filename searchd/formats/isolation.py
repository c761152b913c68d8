"""Extraction in processes of their own, each with a memory limit and each file with a
time limit, several at once: a file that loops, explodes in memory or crashes its reader
costs one line with a reason, nothing else. A reader is a fresh interpreter (`python -m
searchd.formats.child`): nothing of the indexing process (its threads, its open index) is
inherited. It reads file after file (starting one costs ~0.1 s, more than most files); one
that dies or overruns is replaced, and the file it was reading is named with the reason."""

from __future__ import annotations

import itertools
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SeedError
from . import Extracted

TIME_LIMIT = 60.0                   # seconds one file may take to read
MEMORY_LIMIT = 384 * 1024 * 1024    # bytes of address space a reading process may have
#                                    (a reader starts at 60 MB; two of them and the sync
#                                    stay under 1 GB on a hostile folder)
MAX_FILE_BYTES = 256 * 1024 * 1024  # a larger document is not read
MAX_TEXT_CHARS = 16 * 1024 * 1024   # text past this many characters is not kept (a 2,000-page
#                                    report holds 6 million)
FILES_PER_READER = 200              # a reader is replaced after this many files

Outcome = Extracted | SeedError
_numbers = itertools.count()


@dataclass
class _Reader:
    process: subprocess.Popen[bytes]
    read: int = 0
    job: tuple[str, Path] | None = None  # (key, out) of the file it reads now
    deadline: float = 0.0
    buffer: bytes = field(default=b"")


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
    """(key, Extracted or SeedError) for each (key, format, path) job, read by up to
    `processes` readers at once, in the order they finish."""
    pending = iter(jobs)
    readers: list[_Reader] = []
    selector = selectors.DefaultSelector()
    with tempfile.TemporaryDirectory(prefix="searchd-extract-") as scratch:
        try:
            while True:
                for reader in [r for r in readers if r.job is None]:
                    if reader.read >= FILES_PER_READER:
                        _replace(reader, readers, selector)
                for reader in [r for r in readers if r.job is None]:
                    if not _give(reader, next(pending, None), Path(scratch)):
                        _stop(reader, selector)
                        readers.remove(reader)
                while len(readers) < max(processes, 1):
                    job = next(pending, None)
                    if job is None:
                        break
                    reader = _start(selector)
                    readers.append(reader)
                    _give(reader, job, Path(scratch))
                if not readers:
                    return
                yield from _collect(readers, selector)
        finally:
            for reader in readers:
                _stop(reader, selector)
            selector.close()


def _start(selector: selectors.BaseSelector) -> _Reader:
    limits = {"memory": MEMORY_LIMIT, "bytes": MAX_FILE_BYTES, "chars": MAX_TEXT_CHARS}
    process = subprocess.Popen(
        [sys.executable, "-m", "searchd.formats.child", json.dumps(limits)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        close_fds=True)
    reader = _Reader(process)
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    selector.register(process.stdout, selectors.EVENT_READ, reader)
    return reader


def _give(reader: _Reader, job: tuple[str, str, Path] | None, scratch: Path) -> bool:
    """Send a reader its next file; False when there is none."""
    if job is None:
        return False
    key, fmt, path = job
    out = scratch / f"{next(_numbers)}.json"
    line = json.dumps({"format": fmt, "path": str(path), "out": str(out)}) + "\n"
    assert reader.process.stdin is not None
    try:
        reader.process.stdin.write(line.encode())
        reader.process.stdin.flush()
    except OSError:  # (it died between two files: the next call replaces it)
        pass
    reader.job, reader.read = (key, out), reader.read + 1
    reader.deadline = time.monotonic() + TIME_LIMIT
    return True


def _collect(readers: list[_Reader],
             selector: selectors.BaseSelector) -> Iterator[tuple[str, Outcome]]:
    """The outcomes of the files readers finished (or died or overran on) meanwhile;
    a reader that died or overran is replaced by a fresh one."""
    for ready, _ in selector.select(timeout=0.5):
        reader: _Reader = ready.data
        try:
            chunk = os.read(ready.fd, 4096)
        except OSError:
            chunk = b""
        reader.buffer += chunk
        while b"\n" in reader.buffer and reader.job is not None:
            _, reader.buffer = reader.buffer.split(b"\n", 1)
            key, out = reader.job
            reader.job = None
            yield key, _answer(out)
        if not chunk and reader.job is not None:  # died on this file
            key, _ = reader.job
            yield key, _died(reader)
            _replace(reader, readers, selector)
    now = time.monotonic()
    for reader in [r for r in readers if r.job is not None and r.deadline < now]:
        key, _ = reader.job  # type: ignore[misc]
        yield key, SeedError(f"took more than {TIME_LIMIT:.0f} s to read; not indexed")
        _replace(reader, readers, selector)


def _answer(out: Path) -> Outcome:
    try:
        answer = json.loads(out.read_text(encoding="utf-8"))
        out.unlink()
    except (OSError, ValueError):
        return SeedError("its reader wrote no answer; not indexed")
    if "error" in answer:
        return SeedError(answer["error"])
    return Extracted(**answer["found"])


def _died(reader: _Reader) -> SeedError:
    reader.process.kill()
    code = reader.process.wait()
    reason = (f"needs more than {MEMORY_LIMIT >> 20} MB of memory to read"
              if code in (-6, -9, -11, 1) else f"its reader stopped (exit {code})")
    return SeedError(f"{reason}; not indexed")


def _replace(reader: _Reader, readers: list[_Reader],
             selector: selectors.BaseSelector) -> None:
    """Stop a reader; a fresh one takes its place (it is given a file next round)."""
    _stop(reader, selector)
    readers[readers.index(reader)] = _start(selector)


def _stop(reader: _Reader, selector: selectors.BaseSelector) -> None:
    process = reader.process
    try:
        selector.unregister(process.stdout)  # type: ignore[arg-type]
    except (KeyError, ValueError):
        pass
    for stream in (process.stdin, process.stdout):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass
    if process.poll() is None:
        process.kill()
    process.wait()
