"""The JSON API: /api/search, /api/doc/<id>, /healthz."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from .common import engine, search_args

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search() -> dict[str, Any]:
    """Search; the same JSON object as `searchd search --json`."""
    return engine().search(**search_args()).to_dict()


@bp.get("/api/doc/<path:doc_id>")
def document(doc_id: str) -> dict[str, Any]:
    """One stored document."""
    return engine().document(doc_id).document.to_dict()


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    """Liveness and the number of documents searchable."""
    return {"status": "ok", "documents": engine().searcher().doc_count()}
