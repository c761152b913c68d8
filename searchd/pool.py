"""Work split over forked processes: this process takes the first share, a forked worker
each other one. Workers die with this process (killed, it leaves no orphan working on)."""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable
from typing import Any, TypeVar

from . import failpoints
from .errors import SearchdError
from .processes import die_with_parent

S = TypeVar("S")
R = TypeVar("R")
Step = Callable[[int], None]  # step(n): n more items of a share are done
Message = tuple[str, Any]     # ("progress", n), ("done", (share number, result)), ("error", why)


class WorkerFailed(SearchdError):
    """A worker process raised an error or died."""


def run_shares(shares: list[S], task: Callable[[S, Step], R], advance: Step) -> list[R]:
    """task(share, step) for every share, each in its own process but the first, which
    runs here; advance(n) hears of every step of every process (in this process, while it
    works and while it waits). The results in share order; WorkerFailed when a worker
    fails or dies (the others are then stopped)."""
    context = multiprocessing.get_context("fork")
    messages: Any = context.Queue()
    own, *others = shares
    workers = [context.Process(target=_work, daemon=True,
                               args=(task, share, number, messages, os.getpid()))
               for number, share in enumerate(others, 1)]
    for worker in workers:
        worker.start()
    failpoints.reached("sync:workers-started")
    results: dict[int, R] = {}

    def step(done: int) -> None:
        advance(done)
        while not messages.empty():
            _take(messages.get(), results, advance)

    try:
        results[0] = task(own, step)
        while len(results) < len(shares):
            _take(_next_message(messages, workers), results, advance)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
    return [results[number] for number in range(len(shares))]


def _take(message: Message, results: dict[int, Any], advance: Step) -> None:
    """Account for one message from a worker."""
    kind, payload = message
    if kind == "error":
        raise WorkerFailed(f"an indexing process failed: {payload}")
    if kind == "progress":
        advance(payload)
    else:
        number, result = payload
        results[number] = result


def _next_message(messages: Any, workers: list[Any]) -> Message:
    """The next message from the workers; an error if one died without saying why."""
    while True:
        try:
            message: Message = messages.get(timeout=1.0)
            return message
        except queue.Empty:
            dead = [w for w in workers if w.exitcode not in (None, 0)]
            if dead:
                return "error", f"exit code {dead[0].exitcode}"


def _work(task: Callable[[Any, Step], Any], share: Any, number: int, messages: Any,
          parent: int) -> None:
    """A worker process: run task on its share, reporting steps, the result or the error."""
    die_with_parent(parent)
    try:
        result = task(share, lambda done: messages.put(("progress", done)))
        messages.put(("done", (number, result)))
    except BaseException as exc:  # reported to the parent, which stops the work
        messages.put(("error", f"{type(exc).__name__}: {exc}"))


def shares_by_size(items: list[S], size: Callable[[S], int], count: int) -> list[list[S]]:
    """items in count shares of about equal size (largest first, each to the share with
    the least so far), each share in the items' sorted order."""
    shares: list[list[S]] = [[] for _ in range(count)]
    loads = [0] * count
    for item in sorted(items, key=lambda item: -size(item)):
        lightest = loads.index(min(loads))
        shares[lightest].append(item)
        loads[lightest] += size(item)
    return [sorted(share) for share in shares]  # type: ignore[type-var]
