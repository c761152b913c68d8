"""`searchd cluster up` (a scheduler and workers on this machine, to try a cluster) and
`searchd cluster status` (workers, shards, copies and their state)."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Any

import click

from ..config import Config
from ..errors import SearchdError
from ..logs import printable


@click.group("cluster")
def cluster_group() -> None:
    """More than one machine: a Dask cluster's shards and copies."""


@cluster_group.command("up")
@click.option("--workers", type=click.IntRange(1, 64), default=3, show_default=True,
              help="Worker processes to start.")
@click.option("--port", type=click.IntRange(1, 65535), default=8786, show_default=True,
              help="The scheduler's port on 127.0.0.1.")
@click.option("--threads", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Threads of each worker.")
@click.option("--logs", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="Folder of the processes' logs (dask-*.log).")
def up_cmd(workers: int, port: int, threads: int, logs: Path) -> None:
    """Start a Dask scheduler and WORKERS workers (w1, w2, ...) on 127.0.0.1 with the
    standard `dask scheduler` and `dask worker` commands (each worker under a nanny that
    starts it again if it dies), print the address for [cluster] scheduler and run until
    interrupted (Ctrl-C or SIGTERM), then stop them."""
    from .local import LocalCluster

    logs.mkdir(parents=True, exist_ok=True)
    cluster = LocalCluster(logs.resolve(), workers, port, threads)
    try:
        try:
            cluster.wait_for(workers)
        except (OSError, TimeoutError) as exc:
            raise click.ClickException(f"the cluster did not start ({exc}); see "
                                       f"{logs.resolve()}/dask-*.log") from None
        click.echo(f"scheduler: {cluster.address} ({workers} workers, logs in "
                   f"{logs.resolve()}/dask-*.log)\nput in config.toml:\n\n[cluster]\n"
                   f"scheduler = \"{cluster.address}\"\nshards = 3\nreplicas = 2\n\n"
                   "then `searchd index`; Ctrl-C stops the cluster.")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
    finally:
        cluster.stop()


@cluster_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_obj
def status_cmd(config: Config, as_json: bool) -> None:
    """Workers, shards, their copies and their state; exit status 1 unless ready."""
    from .placement import Cluster

    if not config.clustered:
        raise click.UsageError("no [cluster] in the configuration: searchd runs on one "
                               "machine (see README, \"More than one machine\")")
    try:
        cluster = Cluster(config)
        try:
            status = cluster.status()
        finally:
            cluster.close()
    except SearchdError as exc:
        raise click.ClickException(printable(str(exc))) from None
    if as_json:
        click.echo(json.dumps(status, indent=2))
    else:
        _print(status)
    if status["state"] != "ready":
        raise SystemExit(1)


def _print(status: dict[str, Any]) -> None:
    click.echo(f"cluster {status['scheduler']}: {status['state']}"
               + (f" ({status['why']})" if status["why"] else ""))
    click.echo(f"workers ({len(status['workers'])}): " + ", ".join(status["workers"]))
    for shard in status["shards"]:
        copies = ", ".join(f"{c['worker']} {c['state']} (generation {c['generation']}, "
                           f"{c['documents']} documents)" for c in shard["copies"])
        click.echo(printable(f"shard {shard['shard']}: {len(shard['copies'])} of "
                             f"{status['replicas']} copies: {copies or 'none'}"))
