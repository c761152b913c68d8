"""searchd: full-text search for Dutch documents.

The public API (imported lazily so that `searchd --help` stays fast):
build_index, sync_index, search, Engine, load_config.
"""

from __future__ import annotations

import os
from typing import Any

__version__ = "0.1.0"

# numpy asks the kernel for transparent huge pages for every array of 4 MB or more (madvise).
# Where the kernel then compacts memory to find them on the spot (Debian's default: THP and
# its defrag "madvise"), each such array is slow to fault in: at 219k documents a search
# allocates dozens of them, and searches ran 4 times slower with it (500 distinct queries
# in one process: 70-73 s with, 16.6 s without) and used 40 MB more. Off, unless the user
# set it; read when numpy is first imported (searchd's modules import it after this).
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

_API = {
    "build_index": "sync", "sync_index": "sync", "search": "search", "Engine": "search",
    "load_config": "config", "analyze": "analysis",
}


def __getattr__(name: str) -> Any:
    """Load the public API on first use."""
    if name not in _API:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(f".{_API[name]}", __name__), name)
