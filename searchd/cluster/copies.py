"""A worker's copies of shards: where they are kept, what state they are in, and how one is
synced from the seeds or made from another copy's snapshot. These functions run on the Dask
workers (client.submit / client.run), each over its own folder: nothing is shared between
workers but the seeds folder, which each shard's first copy reads.

Layout: <data>/<worker key>/shard-<n>/index/ holds a copy's index; the worker key comes
from the worker's name: a worker given a stable one (`dask worker --name w1`) finds its
copies again when it is started again, and one named by its address (the default) starts
with none at its new address. The copies of workers that are gone are removed by the next
`searchd index` (remove_stale)."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..config import Config
from ..errors import SearchdError
from ..index import current_indexname
from ..manifest import load as load_manifest
from ..sync import SyncReport

SHARD_FOLDER = re.compile(r"shard-(\d{3,4})$")
MAX_SNAPSHOT_FILE = 8 << 30  # a file of a copy's snapshot larger than this is refused
SYNC_TIMEOUT = 24 * 3600     # seconds a shard's sync may take


@dataclass(frozen=True)
class CopyState:
    """One copy of a shard on one worker: the index in it and how far it is."""

    worker: str
    shard: int
    indexname: str | None
    generation: int
    documents: int


def worker_key(name: str) -> str:
    """The folder name of a worker's copies: its name made a file name, and a hash of
    the name (two names never share a folder)."""
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()
    return re.sub(r"[^A-Za-z0-9.-]+", "_", name).strip("_.")[:100] + "-" + digest


def copy_config(config: Config, worker: str, shard: int) -> Config:
    """The Config of a worker's copy of shard: its own index folder, the seeds and analysis
    of config, one process per copy for the server, no analytics, no cluster."""
    assert config.cluster_data is not None
    folder = config.cluster_data / worker_key(worker) / f"shard-{shard:03d}"
    return replace(config, index=folder / "index", shard=(shard, config.cluster_shards),
                   cluster_scheduler=None, analytics=False, source=None,
                   snapshot_key_file=config.cluster_data / "snapshot.key")


def describe(config: Config, worker: str) -> list[CopyState]:
    """The copies this worker holds (run on the worker; worker: its name)."""
    assert config.cluster_data is not None
    mine = config.cluster_data / worker_key(worker)
    found: list[CopyState] = []
    if not mine.is_dir():
        return found
    for folder in sorted(mine.iterdir()):
        match = SHARD_FOLDER.match(folder.name)
        if match is None or int(match[1]) >= config.cluster_shards:
            continue
        found.append(_state(copy_config(config, worker, int(match[1])), worker))
    return found


def _state(config: Config, worker: str) -> CopyState:
    """The state of one copy (no index yet: generation -1)."""
    assert config.shard is not None
    name = current_indexname(config.index) if config.index.is_dir() else None
    if name is None:
        return CopyState(worker, config.shard[0], None, -1, 0)
    try:
        manifest = load_manifest(config.index, name)
    except (OSError, SearchdError, ValueError):
        manifest = None
    if manifest is None:
        return CopyState(worker, config.shard[0], None, -1, 0)
    documents = sum(1 for f in manifest.files.values() if not f.skipped)
    return CopyState(worker, config.shard[0], name, manifest.generation, documents)


def sync_copy(config: Config, worker: str, shard: int,
              rebuild: bool) -> tuple[SyncReport, CopyState]:
    """Sync this worker's copy of shard with the seeds (only that shard's files): in a
    process of its own, as `searchd index` would (a Dask worker may not fork, and a
    sync's memory is given back when it ends). (its report, its new state)"""
    own = copy_config(config, worker, shard)
    own.index.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "searchd.cluster.copies"],
                          input=pickle.dumps((own, rebuild)), capture_output=True,
                          timeout=SYNC_TIMEOUT, check=False)
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SearchdError(f"shard {shard} on {worker}: the sync failed: "
                           f"{why[-1] if why else 'exit ' + str(done.returncode)}")
    fields = json.loads(done.stdout.decode("utf-8"))
    fields["skipped"] = [tuple(pair) for pair in fields["skipped"]]
    fields["warnings"] = [tuple(pair) for pair in fields["warnings"]]
    return SyncReport(**fields), _state(own, worker)


def pack(config: Config, worker: str, shard: int) -> dict[str, bytes]:
    """A snapshot (snapshot.py: signed, checksummed) of this worker's copy of shard, as
    {file name: bytes}, to be sent to another worker."""
    from ..snapshot import take

    own = copy_config(config, worker, shard)
    with tempfile.TemporaryDirectory(prefix="searchd-copy-") as scratch:
        target = Path(scratch) / "snapshot"
        take(own, target)
        return {item.name: item.read_bytes() for item in sorted(target.iterdir())}


def unpack(config: Config, worker: str, shard: int, files: dict[str, bytes]) -> CopyState:
    """Make this worker's copy of shard from another's snapshot (pack()), restored and
    checked as `searchd restore` checks one: never rebuilt from the seeds."""
    from ..snapshot import restore

    own = copy_config(config, worker, shard)
    own.index.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="searchd-copy-") as scratch:
        source = Path(scratch) / "snapshot"
        source.mkdir()
        for name, data in files.items():
            if "/" in name or name.startswith("..") or len(data) > MAX_SNAPSHOT_FILE:
                raise SearchdError(f"a snapshot of shard {shard} with a bad file {name!r}")
            (source / name).write_bytes(data)
        restore(own, source)
    return _state(own, worker)


def install_key(config: Config, key: bytes) -> None:
    """Give this worker the key that signs and checks the copies' snapshots (the
    coordinator's: a copy made on one worker is restored on another, whose own key would
    refuse it), readable by its owner alone."""
    assert config.cluster_data is not None
    target = config.cluster_data / "snapshot.key"
    line = key.decode("utf-8")
    try:
        if target.read_text(encoding="utf-8").split("\n")[1:2] == [line]:
            return
    except OSError:
        pass
    config.cluster_data.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".snapshot.key.{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"# the key of the cluster's copies (from the coordinator)\n{line}\n")
    os.replace(partial, target)


def remove_stale(config: Config, live: list[str]) -> list[str]:
    """Remove the copies of workers that are gone (run on every worker: each sees the
    folders of its own disk); the worker keys removed."""
    assert config.cluster_data is not None
    keep = {worker_key(w) for w in live}
    removed = []
    if config.cluster_data.is_dir():
        for folder in config.cluster_data.iterdir():
            if folder.is_dir() and folder.name not in keep and \
                    any(SHARD_FOLDER.match(p.name) for p in folder.iterdir()):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
    return removed


def _main() -> None:
    """A shard's sync in a process of its own: (Config, rebuild) pickled on stdin by
    sync_copy (its own worker: trusted), the summary on stdout."""
    from ..sync import sync_index

    own, rebuild = pickle.loads(sys.stdin.buffer.read())
    try:
        report = sync_index(own, rebuild=rebuild, lock_wait=60.0)
    except SearchdError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
    sys.stdout.write(json.dumps(asdict(report)))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    _main()
