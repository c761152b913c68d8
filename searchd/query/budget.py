"""How much work one search may do, and how many costly searches a process runs at once.

A budget is CPU time of the searching thread (time.thread_time: waiting for the GIL or the
disk does not count, so a busy machine does not make ordinary queries fail). The loops that
could run long (Whoosh's matchers, which score phrases one document at a time) call
check(); past the budget the search stops with QueryCostError.

Queries that are not plain words combined by AND/OR (phrases, patterns, NOT, ...), and
free text of more than CHEAP_WORDS words, take one of COSTLY_SLOTS per process; when none
frees within COSTLY_WAIT the request is refused with BusyError (a 503 with Retry-After), so
a flood of crafted queries holds at most that many threads of each worker and plain
searches keep their own.

Near spellings (typo tolerance while planning, "Bedoelde u" after ranking) cost a few ms a
word, so they share one allowance per search (lookup()): FREE_LOOKUPS words freely, up to
MAX_LOOKUPS when the search can take the costly slot as well, none past the CPU budget. A
search that cannot look up more words is still answered, with the rest searched as typed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ..errors import BusyError, QueryCostError

SEARCH_CPU_SECONDS = 0.5  # CPU time one search may use
COSTLY_SLOTS = 1          # costly searches running at once in one process
COSTLY_WAIT = 0.05        # seconds a costly search waits for a slot before it is refused
CHECK_EVERY = 256         # postings between two checks in a matcher loop
CHEAP_WORDS = 12          # words of free text a search may have outside the costly slot
CHEAP_WORD_CHARS = 40     # ... each of at most this many letters (a 999-letter compound
                          # is split and looked up for 100-250 ms)
FREE_LOOKUPS = 2          # words of a search looked up for near spellings without the slot
MAX_LOOKUPS = 6           # ... at most, with the slot

_local = threading.local()
_costly = threading.BoundedSemaphore(COSTLY_SLOTS)
MAX_WAITING = 1           # searches of a process that may wait for the slot at once
_waiting = [0]
_waiting_lock = threading.Lock()


def _acquire_slot(wait: float) -> bool:
    """Take a costly slot: at once if one is free, else by waiting up to `wait` s, which
    only MAX_WAITING searches may do at a time (the others are refused at once: a flood of
    costly searches that each waited held every thread of a worker, and /healthz queued
    behind them)."""
    if _costly.acquire(blocking=False):
        return True
    with _waiting_lock:
        if _waiting[0] >= MAX_WAITING:
            return False
        _waiting[0] += 1
    try:
        return _costly.acquire(timeout=wait)
    finally:
        with _waiting_lock:
            _waiting[0] -= 1


@contextmanager
def limited(seconds: float | None = None) -> Iterator[None]:
    """Run the block under a budget of `seconds` (default SEARCH_CPU_SECONDS) of this
    thread's CPU time, and one allowance of near-spelling look-ups."""
    outer = (getattr(_local, "deadline", None), getattr(_local, "lookups", None),
             getattr(_local, "slot", None))
    _local.deadline = time.thread_time() + (SEARCH_CPU_SECONDS if seconds is None else seconds)
    _local.lookups, _local.slot = 0, "none"
    try:
        yield
    finally:
        if _local.slot == "taken":  # taken by lookup() for this search
            _costly.release()
        _local.deadline, _local.lookups, _local.slot = outer


def lookup() -> bool:
    """May this search look up one more word's near spellings? Counts it when so. Past
    FREE_LOOKUPS the search must hold the costly slot (taken here, without waiting long,
    until the search ends); never past MAX_LOOKUPS or the CPU budget. Outside a search
    (no budget set) always."""
    done = getattr(_local, "lookups", None)
    if done is None:
        return True
    if done >= MAX_LOOKUPS or time.thread_time() > _local.deadline:
        return False
    if done >= FREE_LOOKUPS and _local.slot == "none":
        if not _acquire_slot(COSTLY_WAIT):
            return False
        _local.slot = "taken"
    _local.lookups = done + 1
    return True


def check() -> None:
    """QueryCostError when this thread's search has used up its budget."""
    deadline = getattr(_local, "deadline", None)
    if deadline is not None and time.thread_time() > deadline:
        raise QueryCostError("this query needs too much work to answer "
                             f"(more than {SEARCH_CPU_SECONDS:g} s); use fewer or rarer "
                             "words, phrases or patterns")


@contextmanager
def costly_slot(wait: float = COSTLY_WAIT) -> Iterator[None]:
    """Hold one of the process's slots for costly searches; BusyError when none frees
    within wait seconds."""
    if getattr(_local, "slot", None) in ("taken", "held"):  # this search holds it already
        yield
        return
    if not _acquire_slot(wait):
        raise BusyError("too many complex searches are running; try again in a moment")
    outer = getattr(_local, "slot", None)
    _local.slot = "held"  # lookup() needs no slot of its own then
    try:
        yield
    finally:
        _local.slot = outer
        _costly.release()


R = TypeVar("R")


def planned_within(planning: Any, text: str, search: Callable[[Any], R]) -> R:
    """search(the plan of text) within one search's budget of work: a query that is not
    plain words waits for one of the process's few slots for costly searches, and so does
    one of many words (planning.cheap, plan.costly)."""
    with limited():
        if not planning.cheap(text):  # patterns, phrases, operators, many words:
            with costly_slot():       # planning them costs
                return search(planning.plan(text))
        plan = planning.plan(text)
        if not plan.costly:
            return search(plan)
        with costly_slot():
            return search(plan)
