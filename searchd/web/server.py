"""Serve the app with gunicorn: several worker processes (one per core by default), each
with a few threads. Every worker opens the index itself (a forked file handle would be shared),
warms up, and follows index changes on its own."""

from __future__ import annotations

import ctypes
import importlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from .. import logs, metrics
from ..config import Config
from ..errors import SearchdError
from ..processes import die_with_parent
from . import create_app
from .common import engine
from .worker import MAX_REQUEST_LINE, WORKER_CONNECTIONS, raise_open_files_limit


class _Gunicorn(BaseApplication):
    """gunicorn with settings from code, not from its command line or a file."""

    def __init__(self, config: Config, options: dict[str, Any], watched: bool) -> None:
        self.searchd_config = config
        self.options = options
        self.watched = watched
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        app = create_app(self.searchd_config)
        app.config["SEARCHD_WATCHED"] = self.watched  # /healthz reports the watcher
        _warm_up(app)
        return app


def worker_count(config: Config) -> int:
    """The configured number of worker processes (0: one per CPU core)."""
    return config.workers or len(os.sched_getaffinity(0)) or 1


def serve(config: Config, host: str, port: int, watched: bool = False) -> None:
    """Serve the web front end until SIGTERM or Ctrl-C; watched: a watcher follows the
    seeds folder (in the parent process), and /healthz reports on it."""
    _check_free(host, port)
    _limit_malloc_arenas()
    raise_open_files_limit()
    _prepare_operations(config)
    _load_shared(config)
    workers = worker_count(config)
    logs.event(logging.getLogger("searchd.server"),
               f"searchd serving {config.seeds} at http://{host}:{port}/ ({workers} worker "
               f"processes, {config.threads} threads each)")
    _Gunicorn(config, {
        "bind": f"{host}:{port}", "workers": workers, "threads": config.threads,
        # gthread whose event loop reads each request before a thread takes it, so slow
        # clients cannot hold the threads (worker.py)
        "worker_class": "searchd.web.worker.SearchdWorker",
        "worker_connections": WORKER_CONNECTIONS,
        "preload_app": False, "proc_name": "searchd",
        "accesslog": None, "errorlog": "-", "loglevel": "warning",
        "logconfig_dict": _gunicorn_logging(config.log_format),  # searchd's format (logs.py)
        "child_exit": _child_exit, "worker_exit": _worker_exit,
        # no keep-alive: a persistent connection stays with the worker that accepted it, so
        # a few busy clients could load one worker while the others idle
        "timeout": 60, "graceful_timeout": 10, "keepalive": 0,
        "limit_request_line": MAX_REQUEST_LINE, "limit_request_fields": 50,
        "limit_request_field_size": 8190,
    }, watched).run()


def serve_watching(config: Config, host: str, port: int,
                   start_watcher: Callable[[], Any]) -> None:
    """`serve --watch`: the server in a child process, and the watcher start_watcher()
    starts in this one, until either stops or SIGTERM comes. (gunicorn reaps every child
    of its own process, so the indexer's workers cannot be children of the server.)"""
    _prepare_operations(config)  # before the fork: the watcher records metrics too
    server = multiprocessing.get_context("fork").Process(
        target=_serve_child, args=(config, host, port, os.getpid()), name="searchd-server")
    server.start()  # forked before the watcher starts its threads

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    watcher = None
    try:
        watcher = start_watcher()
        server.join()
    except KeyboardInterrupt:
        pass
    finally:
        if server.is_alive():
            server.terminate()  # SIGTERM: gunicorn finishes running requests
            server.join(timeout=15)
        if watcher is not None:
            watcher.stop()
    if server.exitcode not in (0, -signal.SIGTERM, None):
        raise SearchdError(f"the server stopped with status {server.exitcode}")


def _serve_child(config: Config, host: str, port: int, parent: int) -> None:
    """The server process of serve_watching(): it stops when its parent dies (Linux)."""
    die_with_parent(parent, signal.SIGTERM)  # gunicorn then stops its workers too
    serve(config, host, port, watched=True)


def _check_free(host: str, port: int) -> None:
    """SearchdError in one line when the address is taken (gunicorn retried for 5 s with
    ten lines of tracebacks, after searchd had announced it was serving there)."""
    import socket

    try:
        with socket.create_server((host, port), reuse_port=False):
            pass
    except OSError as exc:
        raise SearchdError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}): another program uses "
            "it; set [server] port in config.toml or pass --port") from None


def _prepare_operations(config: Config) -> None:
    """searchd's log format on stderr, and the folder of the processes' metrics (before
    any process that records starts)."""
    logs.setup(config.log_format)
    if config.metrics:
        metrics.prepare()


def _worker_exit(server: Any, worker: Any) -> None:
    """gunicorn's hook in a worker process that stops: write the searches it counted."""
    recorder = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("searchd.analytics")
    if recorder is not None:
        recorder.stop()


def _child_exit(server: Any, worker: Any) -> None:
    """gunicorn's hook when a worker process has ended."""
    metrics.process_exited(worker.pid)


def _gunicorn_logging(log_format: str) -> dict[str, Any]:
    """gunicorn's logging config: its lines in searchd's format, on stderr."""
    formatter = {"()": f"searchd.logs.{'Json' if log_format == 'json' else 'Text'}Formatter"}
    handler = {"class": "logging.StreamHandler", "formatter": "searchd",
               "stream": "ext://sys.stderr"}
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"searchd": formatter},
            "handlers": {"console": handler, "error_console": handler},
            "root": {"level": "WARNING", "handlers": []},
            "loggers": {"gunicorn.error": {"level": "WARNING", "handlers": ["error_console"],
                                           "propagate": False, "qualname": "gunicorn.error"},
                        "gunicorn.access": {"level": "WARNING", "handlers": [],
                                            "propagate": False, "qualname": "gunicorn.access"}}}


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """Let glibc keep at most `arenas` malloc arenas per process (it makes up to 8 a core,
    one for each thread that allocates, and each keeps the memory it freed): about 15 MB
    less per worker after a load on nl-laws. Set before the workers fork; no-op elsewhere."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(-8, arenas)  # M_ARENA_MAX


def _load_shared(config: Config) -> None:
    """Import the search modules and load the analyzer's lexicon before the workers fork,
    so that they share those pages instead of each loading its own (no index is opened)."""
    from ..analysis import dutch_analyzer

    importlib.import_module("searchd.search")  # numpy, Whoosh
    importlib.import_module("rapidfuzz.process")  # near spellings: a typo's first search
    importlib.import_module("rapidfuzz.distance")  # would otherwise pay for the import
    list(dutch_analyzer(config.stemmer, config.compounds)("gemeentebegroting ministers"))


def _warm_up(app: Flask) -> None:
    """Load the lexicon and open the index before the first visitor has to wait for it."""
    with app.test_request_context("/"):
        try:
            engine().search("warm", snippets=False)
            engine().complete("wa")
        except SearchdError:
            pass  # no index yet: the pages say so
