"""/beheer: the owner's page of search analytics (analytics.py).

Served only when [admin] token is set (404 otherwise, as for any unknown page). The owner
signs in with the token in a form; a correct one (compared in constant time) puts a signed
session cookie on /beheer only, so visitors of the search pages never get a cookie. The
cookie's signing key is derived from the token: the same in every worker process, and a new
token signs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .. import analytics, logs
from ..config import Config
from .common import engine

bp = Blueprint("admin", __name__)
log = logging.getLogger("searchd.admin")
MAX_TOKEN_CHARS = 256
LIST_LIMIT = 25
_SESSION_KEY = "beheer"


def install(app: Flask) -> None:
    """Register /beheer; with a token configured, sign sessions with a key of it."""
    token = app.config["SEARCHD"].admin_token
    if token:
        app.secret_key = hmac.new(token.encode(), b"searchd session key",
                                  hashlib.sha256).hexdigest()
        app.config.update(SESSION_COOKIE_NAME="searchd_beheer", SESSION_COOKIE_PATH="/beheer",
                          SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                          PERMANENT_SESSION_LIFETIME=12 * 3600)
    app.register_blueprint(bp)


def _token() -> str:
    """The configured token; 404 when there is none (the page does not exist then)."""
    token = current_app.config["SEARCHD"].admin_token
    if not token:
        abort(404)
    return str(token)


def _signed_in(token: str) -> bool:
    mark = session.get(_SESSION_KEY)
    return isinstance(mark, str) and hmac.compare_digest(mark, _mark(token))


def _mark(token: str) -> str:
    """What the session holds of a signed-in owner: a digest of the token, never the token."""
    return hashlib.sha256(b"searchd beheer " + token.encode()).hexdigest()


@bp.get("/beheer")
def page() -> Response:
    """The analytics for a signed-in owner; the sign-in form otherwise."""
    token = _token()
    if not _signed_in(token):
        return _private(render_template("login.html", error=None), 401)
    config: Config = current_app.config["SEARCHD"]
    days = _days(config)
    found = analytics.report(config.index, days, LIST_LIMIT)
    lines = analytics.synonyms_lines(engine(), found)
    return _private(render_template("beheer.html", report=found, lines=lines,
                                    enabled=config.analytics,
                                    choices=sorted({7, 30, config.analytics_days})), 200)


def _days(config: Config) -> int:
    """The ?dagen= of the request, within what is kept."""
    raw = request.args.get("dagen", "")
    days = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 30
    return max(1, min(days, config.analytics_days))


@bp.post("/beheer/login")
def login() -> Response:
    """Sign in with the token."""
    token = _token()
    given = request.form.get("token", "")[:MAX_TOKEN_CHARS]
    if not hmac.compare_digest(given.encode(), token.encode()):
        logs.event(log, "admin sign-in refused", logging.WARNING)
        return _private(render_template("login.html", error="Onjuist token."), 401)
    session.clear()
    session[_SESSION_KEY] = _mark(token)
    session.permanent = True
    return _private(redirect(url_for("admin.page")), 303)


@bp.post("/beheer/logout")
def logout() -> Response:
    """Sign out."""
    _token()
    session.clear()
    return _private(redirect(url_for("admin.page")), 303)


def _private(body: Any, status: int) -> Response:
    """A response no cache keeps."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response
