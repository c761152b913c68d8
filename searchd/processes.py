"""Child processes that never outlive their parent."""

from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int, sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send this process sig when its parent (pid `parent`, read by the parent
    before it forked) dies (PR_SET_PDEATHSIG), and die at once if the parent is already
    gone: it may have died between the fork and this call. No-op where prctl is
    unavailable."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)
    except (OSError, AttributeError):
        return  # not Linux: an orphan finishes its work and exits
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), sig)


def alive(pid: object) -> bool:
    """True when a process with this pid runs (a pid that is no positive int: False)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
