"""The HTML pages: the search page and the document page."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..errors import QueryError
from .common import engine, search_args

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> tuple[str, int]:
    """The search box, and the results when there is a query."""
    args = {"text": request.args.get("q", "")}
    try:
        args = search_args()
        result = engine().search(**args) if args["text"].strip() else None
    except QueryError as exc:  # shown beside the search box, so it can be corrected
        return render_template("search.html", result=None, args=args, error=str(exc)), 400
    return render_template("search.html", result=result, args=args, error=None), 200


@bp.get("/doc/<path:doc_id>")
def document(doc_id: str) -> str:
    """A whole document, with the query's matches highlighted."""
    query = request.args.get("q", "")
    try:
        view = engine().document(doc_id, query)
    except QueryError:
        view = engine().document(doc_id)
    return render_template("doc.html", view=view, query=query)
