"""searchd: full-text search for Dutch documents.

The public API (imported lazily so that `searchd --help` stays fast):
build_index, sync_index, search, Engine, load_config.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

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
