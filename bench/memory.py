"""Memory of a process and all its descendants, from /proc (Linux)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def descendants(root: int) -> list[int]:
    """root and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_mb(pids: list[int]) -> float:
    """Sum of the resident memory of pids, in MB."""
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e6


def pss_mb(pids: list[int]) -> float:
    """Sum of the proportional set size of pids (shared pages split between them), MB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError):
            continue
    return total / 1e6


class TreeSampler:
    """Samples the memory of a process tree every `every` seconds; keeps the peaks: of the
    sum of RSS (pages forked processes share are counted in each) and, with pss=True, of
    the sum of PSS (shared pages split between the processes that share them)."""

    def __init__(self, pid: int, every: float = 0.05, pss: bool = False) -> None:
        self.pid, self.every, self.pss = pid, every, pss
        self.peak_mb = 0.0
        self.peak_pss_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = descendants(self.pid)
            self.peak_mb = max(self.peak_mb, round(rss_mb(pids), 1))
            if self.pss:  # (reading smaps_rollup costs more than statm)
                self.peak_pss_mb = max(self.peak_pss_mb, round(pss_mb(pids), 1))
            self._stop.wait(self.every)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
