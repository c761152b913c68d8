"""Load config.toml into a frozen, validated Config."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_ENV = "SEARCHD_CONFIG"
DEFAULT_FILE = "config.toml"
STEMMERS = ("dutch", "dutch_porter")
LOG_FORMATS = ("text", "json")
_SECRETS = frozenset({"admin_token"})  # never repeated in an error message


@dataclass(frozen=True)
class Config:
    """Everything searchd reads from config.toml, with paths made absolute."""

    seeds: Path
    index: Path
    host: str = "127.0.0.1"
    port: int = 8080
    threads: int = 4
    workers: int = 0  # server processes; 0: one per CPU core
    stemmer: str = "dutch_porter"
    default_limit: int = 10
    max_limit: int = 100
    title_boost: float = 2.0
    lead_boost: float = 0.5
    bm25_b: float = 1.0
    bm25_k1: float = 1.2
    synonyms: Path | None = None
    result_cache_mb: int = 8  # megabytes of search results kept per process (0: none)
    compounds: bool = True
    typos: bool = True        # typo tolerance of query words
    typo_one: int = 5         # letters from which a query word tolerates one typo
    typo_two: int = 9         # ... and two
    index_processes: int = 0  # processes of a rebuild or large sync; 0: one per CPU core
    metrics: bool = True      # GET /metrics (Prometheus)
    log_format: str = "text"  # of every log line: "text" or "json"
    access_log: bool = False  # a line per request (route, status, duration, results)
    log_client_address: bool = False  # the client's address in access log lines
    slow_search_ms: int = 1000  # searches slower than this are logged (0: none)
    analytics: bool = True    # count searches by their text, per day (analytics.py)
    analytics_days: int = 90  # days of search counts kept
    admin_token: str | None = None  # /beheer is served only when set
    snapshot_key_file: Path | None = None  # signs and checks snapshots (keys.py)
    source: Path | None = None
    # [cluster]: the Dask scheduler's address ("tcp://host:port"); None: one machine
    cluster_scheduler: str | None = None
    cluster_shards: int = 1    # indexes the documents are spread over (by their ids)
    cluster_replicas: int = 2  # copies of each shard, on different workers
    cluster_data: Path | None = None  # the folder each worker keeps its copies in
    # set on a worker's copy of a shard (never from a file): (this shard, of how many)
    shard: tuple[int, int] | None = None

    @property
    def clustered(self) -> bool:
        """True when [cluster] names a scheduler: searches go to the cluster's shards."""
        return self.cluster_scheduler is not None


# section -> key -> (Config attribute, type check, description of allowed values)
_SCHEMA: dict[str, dict[str, tuple[str, Any, str]]] = {
    "paths": {
        "seeds": ("seeds", str, "a folder path"),
        "index": ("index", str, "a folder path"),
    },
    "server": {
        "host": ("host", str, "a host name or IP address"),
        "port": ("port", lambda v: isinstance(v, int) and 1 <= v <= 65535, "an integer 1-65535"),
        "threads": ("threads", lambda v: isinstance(v, int) and 1 <= v <= 256, "an integer 1-256"),
        "workers": ("workers", lambda v: isinstance(v, int) and 0 <= v <= 64,
                    "an integer 0-64 (0: one per CPU core)"),
        "metrics": ("metrics", bool, "true or false"),
        "log_format": ("log_format", lambda v: v in LOG_FORMATS,
                       "one of " + ", ".join(LOG_FORMATS)),
        "access_log": ("access_log", bool, "true or false"),
        "log_client_address": ("log_client_address", bool, "true or false"),
        "slow_search_ms": ("slow_search_ms", lambda v: isinstance(v, int)
                           and not isinstance(v, bool) and 0 <= v <= 600_000,
                           "an integer 0-600000 (0: no slow-search log)"),
    },
    "analytics": {
        "enabled": ("analytics", bool, "true or false"),
        "days": ("analytics_days", lambda v: isinstance(v, int) and not isinstance(v, bool)
                 and 1 <= v <= 3660, "an integer 1-3660"),
    },
    "admin": {
        "token": ("admin_token", lambda v: isinstance(v, str) and len(v.strip()) >= 16
                  and v.isprintable(), "a secret of at least 16 characters"),
    },
    "snapshot": {
        "key_file": ("snapshot_key_file", str, "the path of the snapshot key file"),
    },
    "cluster": {
        "scheduler": ("cluster_scheduler", lambda v: isinstance(v, str)
                      and v.startswith(("tcp://", "tls://")) and v.isprintable()
                      and len(v) <= 200, "a Dask scheduler address, e.g. tcp://10.0.0.5:8786"),
        "shards": ("cluster_shards", lambda v: isinstance(v, int) and not isinstance(v, bool)
                   and 1 <= v <= 1024, "an integer 1-1024"),
        "replicas": ("cluster_replicas", lambda v: isinstance(v, int)
                     and not isinstance(v, bool) and 1 <= v <= 16, "an integer 1-16"),
        "data": ("cluster_data", str, "a folder path, the same on every worker"),
    },
    "index": {
        "processes": ("index_processes", lambda v: isinstance(v, int)
                      and not isinstance(v, bool) and 0 <= v <= 256,
                      "an integer 0-256 (0: one per CPU core)"),
    },
    "analysis": {
        "stemmer": ("stemmer", lambda v: v in STEMMERS, "one of " + ", ".join(STEMMERS)),
        "compounds": ("compounds", bool, "true or false"),
    },
    "search": {
        "default_limit": ("default_limit", lambda v: isinstance(v, int) and 1 <= v <= 1000,
                          "an integer 1-1000"),
        "max_limit": ("max_limit", lambda v: isinstance(v, int) and 1 <= v <= 1000,
                      "an integer 1-1000"),
        "title_boost": ("title_boost", lambda v: isinstance(v, (int, float))
                        and not isinstance(v, bool) and 0 < v <= 100, "a number in (0, 100]"),
        "lead_boost": ("lead_boost", lambda v: isinstance(v, (int, float))
                       and not isinstance(v, bool) and 0 <= v <= 100, "a number in [0, 100]"),
        "bm25_b": ("bm25_b", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
                   and 0 <= v <= 1, "a number in [0, 1]"),
        "bm25_k1": ("bm25_k1", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
                    and 0 < v <= 10, "a number in (0, 10]"),
        "synonyms": ("synonyms", str, "the path of a synonyms file"),
        "result_cache_mb": ("result_cache_mb", lambda v: isinstance(v, int)
                            and not isinstance(v, bool) and 0 <= v <= 4096,
                            "an integer 0-4096"),
        "typos": ("typos", bool, "true or false"),
        "typo_one": ("typo_one", lambda v: isinstance(v, int) and not isinstance(v, bool)
                     and 1 <= v <= 64, "an integer 1-64"),
        "typo_two": ("typo_two", lambda v: isinstance(v, int) and not isinstance(v, bool)
                     and 1 <= v <= 64, "an integer 1-64"),
    },
}


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Choose the config file: --config, then $SEARCHD_CONFIG, then ./config.toml."""
    chosen = explicit or os.environ.get(CONFIG_ENV) or DEFAULT_FILE
    return Path(chosen).expanduser().resolve()


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate a config file; a missing default file gives the defaults."""
    file = config_path(path)
    if not file.exists():
        if path or os.environ.get(CONFIG_ENV):
            raise ConfigError(f"config file not found: {file}")
        return config_from_dict({}, Path.cwd())
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {file}: {exc}") from exc
    return config_from_dict(data, file.parent, source=file)


def config_from_dict(data: dict[str, Any], base: Path, source: Path | None = None) -> Config:
    """Validate parsed TOML and build a Config; relative paths are taken from base."""
    values: dict[str, Any] = {"seeds": "seeds", "index": "index",
                              "snapshot_key_file": "snapshot.key"}
    for section, table in data.items():
        known = _SCHEMA.get(section)
        if known is None:
            raise ConfigError(f"unknown section [{section}]; allowed: "
                              + ", ".join(f"[{s}]" for s in _SCHEMA))
        if not isinstance(table, dict):
            raise ConfigError(f"[{section}] must be a table")
        for key, value in table.items():
            values.update(_check_key(section, key, value, known))
    if values.get("default_limit", 10) > values.get("max_limit", 100):
        raise ConfigError("[search] default_limit must not exceed max_limit")
    if values.get("typo_one", 5) > values.get("typo_two", 9):
        raise ConfigError("[search] typo_one must not exceed typo_two")
    for key in ("seeds", "index", "synonyms", "snapshot_key_file", "cluster_data"):
        if key in values:
            values[key] = (base / values[key]).resolve()
    if "cluster" in data and "cluster_scheduler" not in values:
        raise ConfigError("[cluster] needs a scheduler (the Dask scheduler's address, e.g. "
                          "tcp://127.0.0.1:8786; `searchd cluster up` starts one here)")
    if "cluster_scheduler" in values and "cluster_data" not in values:
        values["cluster_data"] = values["index"] / "cluster"
    return Config(source=source, **values)


def _check_key(section: str, key: str, value: Any,
               known: dict[str, tuple[str, Any, str]]) -> dict[str, Any]:
    """Check one key against the schema and return {attribute: value}."""
    if key not in known:
        raise ConfigError(f"unknown key [{section}] {key}; allowed: " + ", ".join(known))
    attr, check, allowed = known[key]
    ok = isinstance(value, check) if isinstance(check, type) else check(value)
    if not ok or (check is str and not value.strip()):
        shown = "(not shown)" if attr in _SECRETS else repr(value)
        raise ConfigError(f"bad value for [{section}] {key}: {shown}; expected {allowed}")
    return {attr: float(value) if attr.endswith("_boost") or attr.startswith("bm25") else value}
