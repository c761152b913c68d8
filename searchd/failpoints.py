"""Named points at which a test makes searchd die at once, as a power cut or `kill -9`
would: with SEARCHD_FAILPOINT=<name> in its environment, the process sends itself SIGKILL
when it reaches that point. Deterministic, unlike a kill timed from outside; with the
variable unset (always, outside tests) a point costs one dictionary look-up.

A stall point (stalled()) instead holds the thread that reaches it for
SEARCHD_STALL_SECONDS (default 5): a search that keeps its thread busy, without the CPU."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

POINTS = (
    "sync:workers-started",     # forked workers index their shares of a large sync
    "writer:flush",             # a segment's postings are being written
    "writer:before-toc",        # segments written, the table of contents not yet
    "sync:committed",           # committed, the manifest not yet written
    "rebuild:before-activate",  # the new index complete, CURRENT still names the old one
    "rebuild:activated",        # CURRENT names the new index, the old one not yet deleted
)
READER_POINTS = (  # in a reader of documents (formats/child.py): it dies, the sync goes on
    "extract:read",             # a reader reads a file
)
STALL_POINTS = (
    "search:stall",             # a web search is about to be answered
    "extract:stall",            # a reader of documents reads a file
)


def reached(name: str, subject: str = "") -> None:
    """Die here if the environment names this point (and SEARCHD_FAILPOINT_SUBJECT, when
    set, names the subject: the file being read)."""
    if _named(name, subject):
        os.kill(os.getpid(), signal.SIGKILL)


def stalled(name: str, subject: str = "") -> None:
    """Hold this thread for SEARCHD_STALL_SECONDS if the environment names this point
    (first leaving a file in SEARCHD_STALL_MARKS, when set, so a test can wait for it)."""
    if _named(name, subject):
        marks = os.environ.get("SEARCHD_STALL_MARKS")
        if marks:
            Path(marks, f"{os.getpid()}-{threading.get_ident()}").touch()
        time.sleep(float(os.environ.get("SEARCHD_STALL_SECONDS", "5")))


def _named(name: str, subject: str) -> bool:
    if os.environ.get("SEARCHD_FAILPOINT") != name:
        return False
    wanted = os.environ.get("SEARCHD_FAILPOINT_SUBJECT")
    return wanted is None or wanted == subject
