"""Named points at which a test makes searchd die at once, as a power cut or `kill -9`
would: with SEARCHD_FAILPOINT=<name> in its environment, the process sends itself SIGKILL
when it reaches that point. Deterministic, unlike a kill timed from outside; with the
variable unset (always, outside tests) a point costs one dictionary look-up.

A stall point (stalled()) instead holds the thread that reaches it for
SEARCHD_STALL_SECONDS (default 5): a search that keeps its thread busy, without the CPU."""

from __future__ import annotations

import os
import signal
import time

POINTS = (
    "sync:workers-started",     # forked workers index their shares of a large sync
    "writer:flush",             # a segment's postings are being written
    "writer:before-toc",        # segments written, the table of contents not yet
    "sync:committed",           # committed, the manifest not yet written
    "rebuild:before-activate",  # the new index complete, CURRENT still names the old one
    "rebuild:activated",        # CURRENT names the new index, the old one not yet deleted
)
STALL_POINTS = (
    "search:stall",             # a web search is about to be answered
)


def reached(name: str) -> None:
    """Die here if the environment names this point."""
    if os.environ.get("SEARCHD_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def stalled(name: str) -> None:
    """Hold this thread for SEARCHD_STALL_SECONDS if the environment names this point."""
    if os.environ.get("SEARCHD_FAILPOINT") == name:
        time.sleep(float(os.environ.get("SEARCHD_STALL_SECONDS", "5")))
