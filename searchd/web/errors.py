"""One error handler: JSON for /api/*, an HTML page otherwise; never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import (
    BusyError,
    DocumentNotFound,
    NoIndexError,
    QueryError,
    SearchdError,
    UnavailableError,
)
from . import dutch

log = logging.getLogger(__name__)
_STATUS = {QueryError: 400, DocumentNotFound: 404, NoIndexError: 503, BusyError: 503,
           UnavailableError: 503}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def register(app: Flask) -> None:
    """Install the error handlers and the security headers on app."""
    app.register_error_handler(SearchdError, _searchd_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.after_request(_secure)


def _searchd_error(exc: SearchdError) -> tuple[Response | str, int]:
    """A library error: its message (in Dutch on a page; with its code in the API), with
    the status its kind calls for."""
    status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 500)
    body, status = render_error(status, str(exc), exc.hint, exc)
    if isinstance(exc, BusyError):
        response = make_response(body, status)
        response.headers["Retry-After"] = "1"
        return response, status
    return body, status


def _http_error(exc: HTTPException) -> tuple[Response | str, int]:
    """404, 405, 413 and friends."""
    return render_error(exc.code or 500, exc.name)


def _unexpected(exc: Exception) -> tuple[Response | str, int]:
    """A bug: log it, show a plain 500."""
    log.exception("unhandled error on %s", request.path)
    return render_error(500, "Internal error")


def render_error(status: int, message: str, hint: str = "",
                 exc: SearchdError | None = None) -> tuple[Response | str, int]:
    """The error as {"error": {"status", "code", "message", "hint"}} for the API (the
    message in English, the code for programs), else a page that says it in Dutch."""
    code = exc.code if exc is not None else f"http_{status}"
    if request.path.startswith("/api/") or request.path == "/healthz":
        body = {"error": {"status": status, "code": code, "message": message,
                          "hint": hint or None}}
        return jsonify(body), status
    said, advice = dutch.message(exc) if exc is not None else (dutch.http_message(status), "")
    return render_template("error.html", status=status, message=said, hint=advice), status


def _secure(response: Response) -> Response:
    """Add the security headers to every response."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
