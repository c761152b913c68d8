"""What the page and API views share: the Engine and request parameter parsing."""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app, request

from ..engines import engine_for
from ..errors import QueryError
from ..query.request import SearchRequest
from ..search import Engine

_lock = threading.Lock()


def engine() -> Engine:
    """The app's Engine (a ClusterEngine with [cluster]: they answer alike), opened on
    first use (so the app starts before an index exists)."""
    ext = current_app.extensions
    if "searchd.engine" not in ext:
        with _lock:
            if "searchd.engine" not in ext:
                ext["searchd.engine"] = engine_for(current_app.config["SEARCHD"], serving=True)
    return ext["searchd.engine"]


def int_arg(name: str, default: int | None) -> int | None:
    """An integer query-string parameter; QueryError when it is not one."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:  # not "²"
        raise QueryError(f"{name} must be a positive whole number, got {raw[:20]!r}",
                         "not_a_number", name=name, got=raw[:20])
    return int(raw)


TRUE, FALSE = ("true", "1", "yes", "ja", "aan"), ("false", "0", "no", "nee", "uit")


def bool_arg(name: str, default: bool) -> bool:
    """A yes/no query-string parameter (true/false, 1/0, ja/nee); QueryError otherwise."""
    raw = request.args.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in TRUE + FALSE:
        raise QueryError(f"{name} must be true or false, got {raw[:20]!r}", "not_yes_no",
                         name=name, got=raw[:20])
    return raw in TRUE


def month_arg(prefix: str) -> str | None:
    """The month of the period form's year and month fields (van_jaar, van_maand): YYYY-MM,
    a year alone (YYYY: the whole year), or None when no year is given."""
    year = request.args.get(f"{prefix}_jaar", "").strip()
    month = request.args.get(f"{prefix}_maand", "").strip()
    if not year:
        return None
    return f"{year}-{month}" if month else year


def search_args() -> dict[str, Any]:
    """The search parameters of the request: q, page, limit, since, until, sort, collapse
    (near-duplicates grouped) and explain (why each hit scored as it did)."""
    return {"text": request.args.get("q", ""), "page": int_arg("page", 1),
            "limit": int_arg("limit", None),
            "since": request.args.get("since") or None,
            "until": request.args.get("until") or None,
            "sort": request.args.get("sort") or "relevance",
            "collapse": bool_arg("collapse", True),
            "explain": bool_arg("explain", False),
            "formats": ",".join(request.args.getlist("format"))[:200],
            "authors": request.args.getlist("author")[:6]}


def search_request(args: dict[str, Any] | None = None) -> SearchRequest:
    """The checked SearchRequest of this request's parameters (search_args()); QueryError
    naming the first that is wrong."""
    return engine().request(**(search_args() if args is None else args))
