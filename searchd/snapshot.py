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
import stat
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from . import keys, manifest
from .config import Config
from .documents import read_regular
from .errors import SearchdError, SeedError
from .index import CURRENT_FILE, activate, atomic_write, current_indexname, write_lock
from .processes import alive
from .storage import clone, fsync_dir
from .sync import index_key

INFO_FILE = "snapshot.json"
FORMAT = 1
LOCK_WAIT = 60.0  # seconds a snapshot or restore waits for a running sync
_STAGING = "snapshot-staging-"
_RESTORING = "restore-staging-"
MAX_INFO_BYTES = 4 * 1024 * 1024  # a snapshot.json larger than this is none of ours


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


def _remove_stale_staging(index_dir: Path, prefix: str = _STAGING) -> None:
    """Staging folders of snapshots (or restores) whose process died."""
    for folder in index_dir.glob(f"{prefix}*"):
        pid = folder.name[len(prefix):]
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
        data = json.loads(read_regular(source / INFO_FILE, MAX_INFO_BYTES).decode("utf-8"))
    except (OSError, ValueError, SeedError, RecursionError) as exc:  # (nested a million deep)
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


def copy_checked(info: SnapshotInfo, staging: Path) -> None:
    """Copy the files snapshot.json lists (and no other) from the snapshot into staging,
    checking each one's size and checksum on the bytes copied: what is checked is what is
    installed, even if the snapshot changes meanwhile. A listed file that is not a regular
    file (a symlink, a FIFO, a device) counts as damaged; SearchdError names the first."""
    for name, (size, digest) in info.files.items():
        try:
            copied = _copy_regular(info.path / name, staging / name, size)
        except OSError:
            copied = None
        if copied != digest:
            raise SearchdError(f"the snapshot {info.path} is damaged: {name} is missing or "
                               "differs from when it was taken")


def _copy_regular(source: Path, target: Path, size: int) -> str | None:
    """Copy source, a regular file of size bytes (opened without following a symlink or
    waiting for a FIFO's writer), to target; its checksum, or None when it is not such a
    file."""
    fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size != size:
            return None
        digest = hashlib.blake2b(digest_size=16)
        with open(target, "xb") as out:
            left = size + 1  # one byte more than listed: a file that grew is refused
            while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
                digest.update(chunk)
                out.write(chunk)
                left -= len(chunk)
            out.flush()
            os.fsync(out.fileno())
        return digest.hexdigest() if left == 1 else None
    finally:
        os.close(fd)


def restore(config: Config, source: Path) -> SnapshotInfo:
    """Make the snapshot at source config's active index (atomically), after checking that
    it is signed with the installation's key, whole and of config's analysis. The listed
    files are copied into a staging folder beside the index and checked there; the index is
    made from that copy only."""
    data = _load(source)
    check_signature(config, source, data)
    info = read_info(source, data)
    if info.analysis != index_key(config):
        raise SearchdError(
            f"the snapshot was made with another analysis ({info.analysis}; this config's "
            f"is {index_key(config)}); restore it with the config it was made with, or "
            "rebuild with `searchd index --rebuild`")
    config.index.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(config.index, _RESTORING)
    staging = config.index / f"{_RESTORING}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        copy_checked(info, staging)
        with write_lock(config.index, wait=LOCK_WAIT):
            _install(config, source, info, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return info


def _check_counts(folder: Path, name: str, gen: int) -> None:
    """ValueError unless every segment of the index counts no more documents than its files
    have bytes (a signed table of contents that said 10**12 documents stopped every worker
    from starting: each allocated arrays of that many entries)."""
    from whoosh.index import TOC

    from .storage.files import DurableStorage

    storage = DurableStorage(str(folder))
    for segment in TOC.read(storage, name, gen).segments:
        size = sum((folder / f).stat().st_size for f in segment.list_files(storage))
        if not 0 <= segment.doc_count_all() <= size:
            raise ValueError(f"a segment counts {segment.doc_count_all()} documents in "
                             f"{size} bytes of files")


def _install(config: Config, source: Path, info: SnapshotInfo, staging: Path) -> None:
    """Under the write lock: make the checked copy in staging a new index and activate it."""
    name = f"ix{time.time_ns():x}"
    try:
        clone.clone(staging, info.indexname, info.generation, config.index, name, link=True)
        _check_counts(staging, info.indexname, info.generation)
        manifest.copy(staging, info.indexname, config.index, name)
    except BaseException as exc:
        for leftover in config.index.glob(f"*{name}*"):
            leftover.unlink(missing_ok=True)
        if isinstance(exc, Exception) and not isinstance(exc, OSError) or \
                isinstance(exc, FileNotFoundError):  # (a file the snapshot does not list)
            why = str(exc)[:200]  # (a crafted value may make a message of gigabytes)
            raise SearchdError(f"the snapshot {source} cannot be read as an index "
                               f"({type(exc).__name__}: {why}); the index is left as it "
                               "was") from None
        raise
    activate(config.index, name)
