"""The JSON API: /api/search, /api/suggest, /api/doc/<id>, /healthz."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request

from ..errors import QueryError
from . import ops
from .common import engine, int_arg, search_request

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search() -> dict[str, Any]:
    """Search; the same JSON object as `searchd search --json`."""
    return ops.search(search_request()).to_dict()


@bp.get("/api/suggest")
def suggest() -> dict[str, Any]:
    """Completions of the last word of q: {"suggestions": ["strijders", ...]}."""
    limit = int_arg("limit", 8) or 0
    if not 1 <= limit <= 20:
        raise QueryError(f"limit must be between 1 and 20, got {limit}", "limit_range",
                         most=20, got=limit)
    return {"suggestions": engine().complete(request.args.get("q", ""), limit)}


@bp.get("/api/doc/<path:doc_id>")
def document(doc_id: str) -> dict[str, Any]:
    """One stored document: its body a part at a time (?deel=, from 1; "parts" says how
    many), so a document of 30 MB is never one answer."""
    from .pages import _part_arg

    return engine().document(doc_id, part=_part_arg()).to_dict()


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    """Liveness, the number of documents searchable, the seeds folder's files by format
    and reason (on a cluster, added up over the shards) and, under `serve --watch`, the
    watcher's state: "degraded" while its syncs fail, when one makes no progress, or when it
    has stopped."""
    from ..watch import read_status

    body: dict[str, Any] = {"status": "ok", "documents": engine().documents(),
                            "files": engine().files()}
    if current_app.config.get("SEARCHD_WATCHED"):
        body["watcher"] = read_status(current_app.config["SEARCHD"].index)
        if body["watcher"]["state"] in ("failing", "stopped", "stalled"):
            body["status"] = "degraded"
    return body
