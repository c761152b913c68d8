"""Serve the app with gunicorn: several worker processes (one per core by default), each
with a few threads. Every worker opens the index itself (a forked file handle would be shared),
warms up, and follows index changes on its own."""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from ..config import Config
from . import create_app
from .common import engine

MAX_REQUEST_LINE = 8190  # bytes of "GET /path?query HTTP/1.1"; longer requests get a 414


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn with settings from code, not from its command line or a file."""

    def __init__(self, config: Config, options: dict[str, Any]) -> None:
        self.searchd_config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        app = create_app(self.searchd_config)
        _warm_up(app)
        return app


def worker_count(config: Config) -> int:
    """The configured number of worker processes (0: one per CPU core)."""
    return config.workers or len(os.sched_getaffinity(0)) or 1


def serve(config: Config, host: str, port: int) -> None:
    """Serve the web front end until SIGTERM or Ctrl-C."""
    workers = worker_count(config)
    click.echo(f"searchd serving {config.seeds} at http://{host}:{port}/ "
               f"({workers} worker processes, {config.threads} threads each)", err=True)
    _Gunicorn(config, {
        "bind": f"{host}:{port}", "workers": workers, "threads": config.threads,
        "worker_class": "gthread", "preload_app": False, "proc_name": "searchd",
        "accesslog": None, "errorlog": "-", "loglevel": "warning",
        # no keep-alive: a persistent connection stays with the worker that accepted it, so
        # a few busy clients could load one worker while the others idle
        "timeout": 60, "graceful_timeout": 10, "keepalive": 0,
        "limit_request_line": MAX_REQUEST_LINE, "limit_request_fields": 50,
        "limit_request_field_size": 8190,
    }).run()


def _warm_up(app: Flask) -> None:
    """Load the lexicon and open the index before the first visitor has to wait for it."""
    from ..errors import SearchdError

    with app.test_request_context("/"):
        try:
            engine().search("warm", snippets=False)
            engine().complete("wa")
        except SearchdError:
            pass  # no index yet: the pages say so
