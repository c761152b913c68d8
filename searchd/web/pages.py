"""The HTML pages: the search page and the document page."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from .. import months
from ..errors import DocumentNotFound, QueryError, SeedError
from ..explain import explain_lines
from ..formats import LABELS
from ..query.request import part_number
from . import dutch, ops
from .common import engine, month_arg, search_args, search_request

bp = Blueprint("pages", __name__)

SORT_LABELS = {"relevance": "relevantie", "newest": "nieuwste eerst",
               "oldest": "oudste eerst"}
# what a results URL carries along
STATE = ("q", "sort", "since", "until", "limit", "collapse", "explain", "format",
         "author")


@bp.app_context_processor
def month_names() -> dict[str, Any]:
    """The months as the period form offers them: ("01", "januari"), ..."""
    return {"month_names": [(f"{n:02d}", name) for n, name in enumerate(months.NAMES, 1)]}


@bp.app_template_global()
def search_url(**changes: Any) -> str:
    """The search page's URL for the current state with changes applied (a value of None
    removes a parameter); the page number is dropped unless given, so a new filter or
    sort starts at page 1. All state lives in the query string, so URLs can be shared."""
    params: dict[str, Any] = {k: request.args.get(k) for k in STATE}
    params.update(changes)
    if params.get("sort") == "relevance":
        params["sort"] = None
    return url_for("pages.index", **{k: v for k, v in params.items() if v})


@bp.app_template_filter("explained")
def explained(node: dict[str, Any]) -> str:
    """Why a hit scored as it did (explain=1), as indented lines (escaped on the page)."""
    return "\n".join(explain_lines(node, ""))


@bp.app_template_filter("format_label")
def format_label(value: str) -> str:
    """pdf -> PDF, docx -> Word: a format as the page names it."""
    return LABELS.get(value, value)


@bp.app_template_filter("month_name")
def month_name(value: str | None) -> str:
    """2017-11 -> november 2017 (the value itself when it is not a month)."""
    return months.label(value)


@bp.get("/")
def index() -> Any:
    """The search box, and the results when there is a query (a page past the last one
    redirects to the last)."""
    if any(f"{p}_{f}" in request.args for p in ("van", "tot") for f in ("jaar", "maand")):
        # the period form's year and month fields, as the since/until every link carries
        return redirect(search_url(since=month_arg("van"), until=month_arg("tot")), 302)
    args: dict[str, Any] = {"text": request.args.get("q", ""), "sort": "relevance"}
    try:
        args = search_args()
        result = ops.search(search_request(args)) if args["text"].strip() else None
    except QueryError as exc:  # shown beside the search box, so it can be corrected
        if exc.code == "page_range" and args.get("page", 1) > 1 and args["text"].strip():
            first = ops.search(search_request({**args, "page": 1}))  # past any last page
            return redirect(search_url(page=first.pages), 302)
        return render_template("search.html", result=None, args=args,
                               error=dutch.message(exc)[0],
                               sorts=SORT_LABELS), 400
    if result is not None and result.total and result.page > result.pages:
        return redirect(search_url(page=result.pages), 302)
    return render_template("search.html", result=result, args=args, error=None,
                           sorts=SORT_LABELS), 200


@bp.get("/doc/<path:doc_id>")
def document(doc_id: str) -> str:
    """A whole document, with the query's matches highlighted, and similar documents."""
    query, part = request.args.get("q", ""), _part_arg()
    try:
        view = engine().document(doc_id, query, part)
    except QueryError:
        view = engine().document(doc_id, part=part)
    return render_template("doc.html", view=view, query=query)


@bp.get("/origineel/<path:doc_id>")
def original(doc_id: str) -> Response:
    """The original file of a document, as a download (never shown in the browser)."""
    try:
        opened = engine().original(doc_id)
    except (SeedError, OSError):
        raise DocumentNotFound(f"the file of {doc_id!r} cannot be read now",
                               "file_unreadable", id=doc_id) from None
    kind = mimetypes.guess_type(doc_id)[0] or "application/octet-stream"
    return send_file(opened, mimetype=kind, as_attachment=True,
                     download_name=Path(doc_id).name, max_age=0)


def _part_arg() -> int:
    """?deel= of a long document (1 when absent; a 400 when not a part number)."""
    return part_number(request.args.get("deel", ""))


@bp.get("/favicon.ico")
def favicon() -> Any:
    """The icon browsers ask for by this name (an SVG: every current browser shows it)."""
    icon = Path(current_app.static_folder or "") / "favicon.svg"
    return Response(icon.read_bytes(), mimetype="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})
