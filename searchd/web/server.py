"""Run the app under waitress, a production WSGI server."""

from __future__ import annotations

import click

from ..config import Config
from . import create_app


def serve(config: Config, host: str, port: int) -> None:
    """Serve the web front end until interrupted."""
    import waitress

    app = create_app(config)
    click.echo(f"searchd serving {config.seeds} at http://{host}:{port}/", err=True)
    waitress.serve(app, host=host, port=port, threads=config.threads, ident="searchd",
                   max_request_body_size=64 * 1024, _quiet=True)
