"""Snapshots: a consistent copy of the active index, made while the server serves and the
watcher syncs, and its restore (README "Backup and restore").

A snapshot is a folder that is itself an index folder (CURRENT, the Whoosh files of one
generation, its manifest) plus `snapshot.json`: the searchd version, the analysis the index
was built with, and every file's size and checksum. Taking one holds the write lock only
while the files are hard-linked into a staging folder beside the index (a moment: no file is
copied then); the copy to its destination happens after. A restore checks the snapshot
whole, copies it in under a new index name (so it never meets the files of the active index,
which may be the same one), and switches to it atomically (index.activate), as a rebuild
does; it refuses a snapshot of another analysis.

Authenticity: snapshot.json is signed with the installation's key (keys.py), and a restore
checks that signature before it reads anything else of the snapshot; the Whoosh pickles it
then copies and opens are read by storage/unpickle.py, which runs no code from them either.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from . import keys, manifest
from .config import Config
from .errors import SearchdError
from .index import CURRENT_FILE, activate, atomic_write, current_indexname, write_lock
from .processes import alive
from .storage import OPEN_ERRORS, clone, fsync_dir
from .sync import index_key

INFO_FILE = "snapshot.json"
FORMAT = 1
LOCK_WAIT = 60.0  # seconds a snapshot or restore waits for a running sync
_STAGING = "snapshot-staging-"


@dataclass(frozen=True)
class SnapshotInfo:
    """What snapshot.json records."""

    path: Path
    indexname: str
    analysis: str
    generation: int
    files: dict[str, tuple[int, str]]  # name -> (bytes, blake2b)
    version: str
    created: float

    @property
    def size(self) -> int:
        return sum(size for size, _ in self.files.values())


def take(config: Config, destination: Path) -> SnapshotInfo:
    """Write a snapshot of config's active index to destination (a new folder)."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise SearchdError(f"{destination} exists and is not an empty folder")
    if current_indexname(config.index) is None:  # (checked before the lock: it makes
        raise SearchdError(                          # the folder and its lock file)
            f"no index in {config.index} to take a snapshot of (the paths come from "
            f"{config.source or 'the defaults: no config.toml in this folder'}; "
            "pass --config to name another)")
    _remove_stale_staging(config.index)
    staging = config.index / f"{_STAGING}{os.getpid()}"
    try:
        name, analysis, gen = _stage(config, staging)
        partial = destination.with_name(f".{destination.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        files = {}
        for item in sorted(staging.iterdir()):
            clone.place(item, partial / item.name, link=False)
            files[item.name] = (item.stat().st_size, _checksum(partial / item.name))
        (partial / CURRENT_FILE).write_text(name + "\n", encoding="ascii")
        found = SnapshotInfo(destination, name, analysis, gen, files, _version(), time.time())
        atomic_write(partial / INFO_FILE, json.dumps(_signed(config, _to_json(found)),
                                                     indent=1))
        if destination.exists():
            destination.rmdir()
        os.replace(partial, destination)
        fsync_dir(destination.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return found


def _stage(config: Config, staging: Path) -> tuple[str, str, int]:
    """Under the write lock: hard-link the active index's newest generation into staging,
    with a copy of its manifest; (index name, analysis key, generation)."""
    with write_lock(config.index, wait=LOCK_WAIT):
        active = current_indexname(config.index)
        state = manifest.load(config.index, active, ids=()) if active else None
        if active is None or state is None:
            raise SearchdError(f"no index in {config.index} to take a snapshot of")
        if state.fresh:  # the JSON manifest of an older searchd: written as a database
            manifest.save(config.index, state)
        staging.mkdir()
        gen = clone.generation(config.index, active)
        clone.clone(config.index, active, gen, staging, active, link=True)
        manifest.copy(config.index, active, staging, active)
    return active, state.analysis, gen


def _remove_stale_staging(index_dir: Path) -> None:
    """Staging folders of snapshots whose process died."""
    for folder in index_dir.glob(f"{_STAGING}*"):
        pid = folder.name[len(_STAGING):]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _checksum(file: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(file, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _version() -> str:
    try:
        return metadata.version("searchd")
    except metadata.PackageNotFoundError:
        return "unknown"


def _to_json(info: SnapshotInfo) -> dict[str, Any]:
    return {"format": FORMAT, "searchd": info.version, "indexname": info.indexname,
            "analysis": info.analysis, "generation": info.generation,
            "created": info.created, "files": {k: list(v) for k, v in info.files.items()}}


def _record(data: dict[str, Any]) -> bytes:
    """The bytes a snapshot's signature covers: its snapshot.json without the signature."""
    unsigned = {k: v for k, v in data.items() if k not in ("signature", "key")}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _signed(config: Config, data: dict[str, Any]) -> dict[str, Any]:
    """data with its HMAC under the installation's signing key, and that key's id."""
    key = keys.signing_key(config.snapshot_key_file)
    return {**data, "key": keys.key_id(key), "signature": keys.sign(key, _record(data))}


def _load(source: Path) -> dict[str, Any]:
    """The parsed snapshot.json of source (read once: what is checked is what is used)."""
    try:
        data = json.loads((source / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SearchdError(f"{source} is not a searchd snapshot ({INFO_FILE}: {exc})") from exc
    if not isinstance(data, dict):
        raise SearchdError(f"{source} is not a searchd snapshot ({INFO_FILE} is no record)")
    return data


def check_signature(config: Config, source: Path, data: dict[str, Any]) -> None:
    """SearchdError unless data (source's snapshot.json) was signed with one of config's
    keys."""
    signature = data.get("signature")
    if not isinstance(signature, str):
        raise SearchdError(f"{source} is not a signed searchd snapshot (made by a searchd "
                           "before snapshots were signed, or not by searchd); it is refused")
    if not keys.verified(keys.verifying_keys(config.snapshot_key_file), _record(data),
                         signature):
        named = str(data.get("key"))[:12]
        ours = any(keys.key_id(k) == named for k in keys.verifying_keys(config.snapshot_key_file))
        why = (f"its {INFO_FILE} was changed after it was signed with this installation's "
               f"key {named!r}" if ours else f"signed with key {named!r}")
        raise SearchdError(
            f"the snapshot {source} was not signed with this installation's key ({why}); it "
            "is refused: restore only snapshots this installation made, unchanged, or add the "
            "key that signed it to the key file")


def read_info(source: Path, data: dict[str, Any] | None = None) -> SnapshotInfo:
    """The snapshot.json of a snapshot folder (data: as already read); SearchdError when it
    is none."""
    data = _load(source) if data is None else data
    try:
        if data.get("format") != FORMAT:
            raise SearchdError(f"{source} is a snapshot of another format "
                               f"({data.get('format')!r}); this searchd reads {FORMAT}")
        files = {str(k): (int(v[0]), str(v[1])) for k, v in data["files"].items()}
        info = SnapshotInfo(source, str(data["indexname"]), str(data["analysis"]),
                            int(data["generation"]), files, str(data["searchd"]),
                            float(data["created"]))
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise SearchdError(f"{source} is not a searchd snapshot ({INFO_FILE}: {exc})") from exc
    if any(not name or "/" in name or name.startswith(".") for name in files) or \
            not info.indexname.isidentifier():
        raise SearchdError(f"{source} is not a searchd snapshot (a file name in {INFO_FILE} "
                           "is not one of an index folder)")
    return info


def verify(info: SnapshotInfo) -> None:
    """SearchdError naming the first file of the snapshot that is missing or damaged."""
    for name, (size, digest) in info.files.items():
        file = info.path / name
        if not file.is_file() or file.stat().st_size != size or _checksum(file) != digest:
            raise SearchdError(f"the snapshot {info.path} is damaged: {name} is missing or "
                               "differs from when it was taken")


def restore(config: Config, source: Path) -> SnapshotInfo:
    """Make the snapshot at source config's active index (atomically), after checking that
    it is signed with the installation's key, whole and of config's analysis."""
    data = _load(source)
    check_signature(config, source, data)
    info = read_info(source, data)
    if info.analysis != index_key(config):
        raise SearchdError(
            f"the snapshot was made with another analysis ({info.analysis}; this config's "
            f"is {index_key(config)}); restore it with the config it was made with, or "
            "rebuild with `searchd index --rebuild`")
    verify(info)
    config.index.mkdir(parents=True, exist_ok=True)
    with write_lock(config.index, wait=LOCK_WAIT):
        name = f"ix{time.time_ns():x}"
        try:
            clone.clone(source, info.indexname, info.generation, config.index, name,
                        link=False)
            manifest.copy(source, info.indexname, config.index, name)
        except BaseException as exc:
            for leftover in config.index.glob(f"*{name}*"):
                leftover.unlink(missing_ok=True)
            if isinstance(exc, OPEN_ERRORS) and not isinstance(exc, OSError):
                raise SearchdError(f"the snapshot {source} cannot be read as an index "
                                   f"({exc}); the index is left as it was") from exc
            raise
        activate(config.index, name)
    return info
