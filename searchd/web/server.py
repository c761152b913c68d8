"""Run the app under waitress, a production WSGI server."""

from __future__ import annotations

import click

from flask import Flask

from ..config import Config
from . import create_app
from .common import engine


def serve(config: Config, host: str, port: int) -> None:
    """Serve the web front end until interrupted."""
    import waitress

    app = create_app(config)
    _warm_up(app)
    click.echo(f"searchd serving {config.seeds} at http://{host}:{port}/", err=True)
    waitress.serve(app, host=host, port=port, threads=config.threads, ident="searchd",
                   max_request_body_size=64 * 1024, _quiet=True)


def _warm_up(app: Flask) -> None:
    """Load the lexicon and open the index before the first visitor has to wait for it."""
    from ..errors import SearchdError

    with app.test_request_context("/"):
        try:
            engine().search("warm", snippets=False)
        except SearchdError:
            pass  # no index yet: the pages say so
