"""The Flask web front end: create_app() builds it over one shared Engine."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import PathConverter

from ..config import Config, load_config


def create_app(config: Config | None = None) -> Flask:
    """Build the app: search pages, JSON API, error handlers, security headers."""
    app = Flask(__name__)
    app.debug = False  # never the debugger of FLASK_DEBUG=1 (Flask reads it from the env)
    app.config["SEARCHD"] = config or load_config()
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.url_map.merge_slashes = False  # "/api/doc//etc/x" is an unknown id, not a redirect
    app.url_map.converters["path"] = DocIdConverter  # (route labels stay "<path:doc_id>")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    from . import admin, api, errors, ops, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    admin.install(app)
    ops.install(app)
    errors.register(app)
    return app


class DocIdConverter(PathConverter):
    """A document id in a URL: a path, which may hold any character a file name can (the
    path converter's "." stops at a line break, and such a document's page was a 404)."""

    regex = "[^/][\\s\\S]*?"
