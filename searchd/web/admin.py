"""/beheer: the owner's page: the state of the service, search analytics (analytics.py),
and the synonyms and pinned results the owner edits (curation.py), each change logged and
undoable.

Served only when [admin] token is set (404 otherwise, as for any unknown page). The owner
signs in with the token in a form; its protections (sessions.py):
- a correct token (compared in constant time) opens a session held on the server; the
  cookie (on /beheer only, HttpOnly, SameSite=Strict) is a random id, nothing derived from
  the token; signing out, or a new token, ends it;
- sign-in attempts are limited per client and overall (429 with Retry-After), and a
  refusal is logged once per throttled spell, not once per attempt;
- every POST must come from this site's own pages: an Origin (or Referer) of another site is
  refused, and a signed-in form carries the session's CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import shutil
import time
from typing import Any
from urllib.parse import urlsplit

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
    url_for,
)

from .. import analytics, logs
from ..accounts import accounts
from ..config import Config
from ..curation import MAX_PINS, MAX_QUERY, Curation, CurationError, fold_query
from ..errors import DocumentNotFound
from ..sessions import Session, SessionStore
from .common import engine

bp = Blueprint("admin", __name__)
log = logging.getLogger("searchd.admin")
MAX_TOKEN_CHARS = 256
LIST_LIMIT = 25
MAX_FORM_CHARS = 64_000  # characters of the synonyms form (a request's body is 64 KB)
COOKIE = "searchd_beheer"
_STORE = "searchd.sessions"


def install(app: Flask) -> None:
    """Register /beheer (its session store is opened on first use)."""
    app.register_blueprint(bp)


def _token() -> str:
    """The configured token; 404 when there is none (the page does not exist then)."""
    token = current_app.config["SEARCHD"].admin_token
    if not token:
        abort(404)
    return str(token)


def _store() -> SessionStore:
    """This app's session store (made once per process)."""
    store: SessionStore | None = current_app.extensions.get(_STORE)
    if store is None:
        config: Config = current_app.config["SEARCHD"]
        store = current_app.extensions.setdefault(
            _STORE, SessionStore(config.index, _token()))
    return store


def _session() -> Session | None:
    """The signed-in owner's session of this request, or None."""
    return _store().find(request.cookies.get(COOKIE))


@bp.before_request
def _same_site_posts_only() -> None:
    """Refuse a POST whose Origin (or else Referer) names another site (CSRF)."""
    if request.method != "POST":
        return
    claimed = request.headers.get("Origin") or request.headers.get("Referer")
    if claimed is None:
        return  # not sent by a browser's cross-site form; logout checks its CSRF token too
    here = urlsplit(request.host_url)
    there = urlsplit(claimed)
    if (there.scheme, there.netloc) != (here.scheme, here.netloc):
        abort(403)


@bp.get("/beheer")
def page() -> Response:
    """The analytics for a signed-in owner; the sign-in form otherwise."""
    _token()
    session = _session()
    if session is None:
        return _private(render_template("login.html", error=None), 401)
    config: Config = current_app.config["SEARCHD"]
    days = _days(config)
    found = analytics.report(config.index, days, LIST_LIMIT)
    lines = analytics.synonyms_lines(engine(), found)
    curation = Curation(config)
    return _private(render_template(
        "beheer.html", report=found, lines=lines, files=accounts(config.index),
        enabled=config.analytics, csrf=session.csrf,
        choices=sorted({7, 30, config.analytics_days}), state=_state(config),
        synonyms=curation.synonyms_text(), pins=curation.pins(),
        history=curation.history(10), done=request.args.get("gedaan", "")[:200],
        problem=request.args.get("fout", "")[:300]), 200)


@bp.app_template_filter("when")
def when(moment: float) -> str:
    """A Unix time as the page shows it: 05-12-2026 09:14."""
    return time.strftime("%d-%m-%Y %H:%M", time.localtime(moment))


def _state(config: Config) -> dict[str, Any]:
    """The state of the service for its owner: documents, watcher, last sync, disk."""
    from ..index import last_sync
    from ..watch import read_status

    watcher = read_status(config.index) if current_app.config.get("SEARCHD_WATCHED") \
        else {"state": "off"}
    try:
        disk = shutil.disk_usage(config.index)
        size = sum(p.stat().st_size for p in config.index.iterdir() if p.is_file())
    except OSError:
        disk, size = None, 0
    synced = last_sync(config.index)
    return {"documents": engine().documents(), "watcher": watcher,
            "last_sync": time.strftime("%d-%m-%Y %H:%M", time.localtime(synced))
            if synced else None, "index_mb": size / 2**20,
            "free_gb": disk.free / 2**30 if disk else None,
            "disk_percent": 100 * disk.used / disk.total if disk else None}


def _signed_in_form() -> Session:
    """The session of a signed-in owner's POST with its CSRF token (403 otherwise)."""
    _token()
    session = _session()
    if session is None or not hmac.compare_digest(request.form.get("csrf", ""),
                                                  session.csrf):
        abort(403)
    return session


def _who(session: Session) -> str:
    """Who made a change, as the log names it: the owner, by session (never the token)."""
    return "beheerder, sessie " + hashlib.sha256(session.csrf.encode()).hexdigest()[:8]


def _after(done: str = "", problem: str = "") -> Response:
    """Back to the admin page, saying what was done or what went wrong."""
    return _private(redirect(url_for("admin.page", gedaan=done or None, fout=problem or None)
                             + "#beheren"), 303)


@bp.post("/beheer/synoniemen")
def save_synonyms() -> Response:
    """Replace the synonyms (checked; applied to the next search; logged, undoable)."""
    session = _signed_in_form()
    text = request.form.get("synoniemen", "")[:MAX_FORM_CHARS]
    try:
        Curation(current_app.config["SEARCHD"]).set_synonyms(text, _who(session))
    except CurationError as exc:
        return _after(problem=str(exc))
    logs.event(log, "admin: synonyms changed")
    return _after("De synoniemen zijn bewaard; de volgende zoekopdracht gebruikt ze.")


@bp.post("/beheer/vastzetten")
def save_pin() -> Response:
    """Pin a document to a query (first on its first page), or take a pin away."""
    session = _signed_in_form()
    query = fold_query(request.form.get("zoekopdracht", "")[:MAX_QUERY])
    doc_id = request.form.get("document", "").strip()[:1000]
    curation = Curation(current_app.config["SEARCHD"])
    pins = curation.pins()
    ids = pins.get(query, [])
    if request.form.get("actie") == "weg":
        pins[query] = [i for i in ids if i != doc_id]
        note = f"los: {doc_id} van {query!r}"
    else:
        if not query or not doc_id:
            return _after(problem="Vul een zoekopdracht en een document in.")
        try:
            engine().document(doc_id)
        except DocumentNotFound:
            return _after(problem=f"Er is geen document {doc_id!r}.")
        pins[query] = [doc_id, *[i for i in ids if i != doc_id]][:MAX_PINS]
        note = f"vast: {doc_id} bij {query!r}"
    try:
        curation.set_pins(pins, _who(session), note)
    except CurationError as exc:
        return _after(problem=str(exc))
    logs.event(log, f"admin: pin changed ({note})")
    return _after(f"Bewaard ({note}).")


@bp.post("/beheer/ongedaan")
def undo() -> Response:
    """Undo the latest change of the synonyms or the pins."""
    session = _signed_in_form()
    undone = Curation(current_app.config["SEARCHD"]).undo(_who(session))
    if undone is None:
        return _after(problem="Er is niets om ongedaan te maken.")
    logs.event(log, f"admin: undid the latest change of the {undone.what}")
    return _after(f"Ongedaan gemaakt: {undone.note or undone.what}.")


def _days(config: Config) -> int:
    """The ?dagen= of the request, within what is kept."""
    raw = request.args.get("dagen", "")
    days = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 30
    return max(1, min(days, config.analytics_days))


@bp.post("/beheer/login")
def login() -> Response:
    """Sign in with the token (throttled per client and overall)."""
    token, store = _token(), _store()
    client = request.remote_addr or "?"
    given = request.form.get("token", "")[:MAX_TOKEN_CHARS]
    attempt = store.attempt(client, given, token)
    if attempt.throttled_now:  # this failure started a throttled spell: one line
        logs.event(log, "admin sign-in throttled after repeated wrong tokens", logging.WARNING)
    if attempt.retry_after:
        response = _private(render_template(
            "login.html", error=f"Te veel mislukte pogingen; probeer het over "
            f"{attempt.retry_after} seconden opnieuw."), 429)
        response.headers["Retry-After"] = str(attempt.retry_after)
        return response
    if not attempt.ok:
        return _private(render_template("login.html", error="Onjuist token."), 401)
    cookie, _ = store.open()
    response = _private(redirect(url_for("admin.page")), 303)
    response.set_cookie(COOKIE, cookie, max_age=None, path="/beheer", httponly=True,
                        samesite="Strict", secure=request.is_secure)
    return response


@bp.post("/beheer/logout")
def logout() -> Response:
    """Sign out: the session ends on the server (the old cookie is worth nothing)."""
    _token()
    session = _session()
    if session is not None:
        if not hmac.compare_digest(request.form.get("csrf", ""), session.csrf):
            abort(403)
        _store().close(request.cookies.get(COOKIE))
    response = _private(redirect(url_for("admin.page")), 303)
    response.delete_cookie(COOKIE, path="/beheer")
    return response


def _private(body: Any, status: int) -> Response:
    """A response no cache keeps."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response
