"""The engine a configuration asks for: one index (search.Engine, the embedded default) or,
with [cluster], the shards of a Dask cluster (cluster/engine.py); both answer alike."""

from __future__ import annotations

from typing import Any

from .config import Config


def engine_for(config: Config, serving: bool = False) -> Any:
    """config's engine; a serving process's cluster engine also repairs lost copies."""
    if config.clustered:
        from .cluster.engine import ClusterEngine

        engine = ClusterEngine(config)
        if serving:
            engine.cluster.start_repairs()
        return engine
    from .search import Engine

    return Engine(config)
