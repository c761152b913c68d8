"""A Dask cluster on this machine, made of the standard commands (`dask scheduler`, `dask
worker --name wN`, each worker under its nanny) bound to 127.0.0.1 without dashboards: what
`searchd cluster up` starts to try a cluster, and what the tests and benchmarks run on."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import IO

BIN = Path(sys.executable).parent  # the environment's `dask` command


def free_port() -> int:
    """A TCP port of 127.0.0.1 no one listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalCluster:
    """A scheduler and workers (w1, w2, ...) as processes of their own, logging into
    folder; stop() ends them all."""

    def __init__(self, folder: Path, workers: int, port: int | None = None,
                 threads: int = 2) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.threads = threads
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []
        self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port",
                                  str(self.port), "--no-dashboard"])
        for n in range(1, workers + 1):
            self.start_worker(f"w{n}")

    def _start(self, name: str, args: list[str]) -> None:
        log = open(self.folder / f"dask-{name}.log", "ab")  # noqa: SIM115 - kept open
        self._logs.append(log)
        self.procs[name] = subprocess.Popen([str(BIN / "dask"), *args], stdout=log,
                                            stderr=log, start_new_session=True,
                                            cwd=self.folder)

    def start_worker(self, name: str) -> None:
        """Start (or start again) the worker called name."""
        self._start(name, ["worker", self.address, "--host", "127.0.0.1", "--name", name,
                           "--nthreads", str(self.threads), "--no-dashboard"])

    def wait_for(self, count: int, timeout: float = 60.0) -> None:
        """Wait until count workers are connected to the scheduler."""
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(count, timeout=timeout)

    def worker_pid(self, name: str) -> int:
        """The pid of worker name's process itself (its nanny's child)."""
        found = subprocess.run(["pgrep", "-P", str(self.procs[name].pid)],
                               capture_output=True, text=True, check=False)
        return int(found.stdout.split()[0])

    def kill_worker(self, name: str) -> None:
        """SIGKILL worker name and its nanny: it does not come back."""
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait()

    def stop(self) -> None:
        """End every process and close the logs."""
        for proc in self.procs.values():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for log in self._logs:
            log.close()
