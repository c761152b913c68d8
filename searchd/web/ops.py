"""What an operator sees of the web service: /metrics, /readyz, the access log, the slow-search
log, and the counting of searches (metrics.py, analytics.py). Nothing here may fail or slow
down a request: figures are recorded in memory, and analytics are written in the background."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request

from .. import failpoints, index, logs, manifest, metrics
from ..analytics import Recorder
from ..config import Config
from ..errors import SearchdError
from ..query.request import SearchRequest
from ..results import SearchResult
from ..watch import read_status
from .common import engine

bp = Blueprint("ops", __name__)
access_log = logging.getLogger("searchd.access")
slow_log = logging.getLogger("searchd.slow")
log = logging.getLogger(__name__)


def install(app: Flask) -> None:
    """Time and count every request of app; serve /metrics and /readyz."""
    app.before_request(_started)
    app.after_request(_finished)
    app.register_blueprint(bp)


def _config() -> Config:
    config: Config = current_app.config["SEARCHD"]
    return config


def _started() -> None:
    g.searchd_started = time.perf_counter()


def _finished(response: Response) -> Response:
    """Record the request in the metrics and the access log (never fails the request)."""
    started = g.get("searchd_started")
    if started is None:
        return response
    seconds = time.perf_counter() - started
    config = _config()
    route = request.url_rule.rule if request.url_rule is not None else "(other)"
    try:
        if config.metrics:
            metrics.observe_request(route, response.status_code, seconds)
        if config.access_log:
            _access_line(config, route, response.status_code, seconds)
    except Exception:  # noqa: BLE001 - figures must never cost a visitor their answer
        log.exception("cannot record the request")
    return response


def _access_line(config: Config, route: str, status: int, seconds: float) -> None:
    """One access log line: route (never the query string), status, duration, results."""
    fields: dict[str, Any] = {"method": request.method, "route": route, "status": status,
                              "duration_ms": round(seconds * 1000, 1)}
    results = g.get("searchd_results")
    if results is not None:
        fields["results"] = results
    if config.log_client_address:
        fields["client"] = request.remote_addr
    logs.event(access_log, "request", **fields)


def search(asked: SearchRequest) -> SearchResult:
    """engine().run(asked) for the page or the API, counted (_searched)."""
    started = time.perf_counter()
    failpoints.stalled("search:stall")
    result = engine().run(asked)
    _searched(asked.text, result, time.perf_counter() - started, asked.filtered)
    return result


def _searched(text: str, result: SearchResult, seconds: float, filtered: bool = False) -> None:
    """Count a search the service answered: metrics, analytics (a search narrowed to some
    months that finds nothing is not a text that finds nothing), the slow-search log."""
    config = _config()
    g.searchd_results = result.total
    try:
        if config.metrics:
            metrics.count_search(result.total)
        if config.analytics:
            _recorder(config).record(text, None if filtered and not result.total
                                     else result.total)
        if config.slow_search_ms and seconds * 1000 >= config.slow_search_ms:
            logs.event(slow_log, "slow search", logging.WARNING, query=text[:500],
                       duration_ms=round(seconds * 1000, 1), results=result.total)
    except Exception:  # noqa: BLE001 - as in _finished
        log.exception("cannot count the search")


def _recorder(config: Config) -> Recorder:
    """This process's analytics recorder (made on first use)."""
    found: Recorder | None = current_app.extensions.get("searchd.analytics")
    if found is None:
        found = current_app.extensions.setdefault(
            "searchd.analytics", Recorder(config.index, config.analytics_days))
    return found


@bp.get("/metrics")
def metrics_page() -> Response:
    """The Prometheus text format (404 when [server] metrics is false)."""
    if not _config().metrics:
        return Response("metrics are off ([server] metrics = false)\n", 404,
                        mimetype="text/plain")
    body, content_type = metrics.exposition(_facts)
    return Response(body, 200, content_type=content_type)


def _facts() -> metrics.IndexFacts:
    """What a scrape reports of the index and the watcher, read now."""
    config = _config()
    try:
        documents: int | None = engine().documents()
    except SearchdError:
        documents = None
    name = index.current_indexname(config.index)
    size = index.index_size(config.index, name) if name else None
    watched = bool(current_app.config.get("SEARCHD_WATCHED"))
    status = read_status(config.index) if watched else {}
    last_sync = status.get("last_sync_at")
    if not watched and name:  # the last sync that wrote: its manifest's time
        last_sync = _mtime(manifest.path(config.index, name))
    return metrics.IndexFacts(documents, size, last_sync, status.get("skipped"),
                              status.get("state") == "ok")


def _mtime(path: Any) -> float | None:
    try:
        return float(path.stat().st_mtime)
    except OSError:
        return None


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """Ready for traffic: the index opens (on a cluster: every shard has a copy; with
    fewer copies than [cluster] replicas it is "degraded", still 200) and, under `serve
    --watch`, the watcher runs (its first sync done). 503 with the reason otherwise."""
    try:
        state, why = engine().readiness()
    except SearchdError as exc:
        return {"status": "not ready", "reason": str(exc)}, 503
    if state == "not ready":
        return {"status": state, "reason": why}, 503
    if current_app.config.get("SEARCHD_WATCHED"):
        status = read_status(_config().index)
        watching = status.get("state")
        if watching == "stalled":
            return {"status": "not ready", "reason": status["last_error"]}, 503
        if watching not in ("ok", "failing"):
            return {"status": "not ready", "reason": f"the watcher is {watching}"}, 503
    if state == "degraded":  # a cluster's shards short of copies: it still answers
        return {"status": state, "reason": why}, 200
    return {"status": "ready"}, 200
