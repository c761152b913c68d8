"""The installation's snapshot keys: what a snapshot's authenticity rests on.

A snapshot's snapshot.json names every file with its size and checksum, and carries an
HMAC-SHA256 of that record made with this installation's key; a restore (or a copy between
machines) accepts only a snapshot whose HMAC one of the installation's keys reproduces.

The keys come from $SEARCHD_SNAPSHOT_KEY (one key, for deployments whose secrets come in the
environment), else from the key file ([snapshot] key_file, by default snapshot.key beside
config.toml): one key a line, the first signs, every line verifies, so a key is rotated by
writing the new one on top and removing the old line once no snapshot signed with it is
kept. The first snapshot of an installation without a key file makes one (32 random bytes,
mode 0600). Keep it out of the backups it protects.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .documents import read_regular
from .errors import SearchdError, SeedError

ENV = "SEARCHD_SNAPSHOT_KEY"
MIN_KEY = 16  # characters
MAX_KEY_FILE = 65_536  # bytes: a key file larger than this (/dev/zero) is refused


def signing_key(key_file: Path | None) -> bytes:
    """The key that signs new snapshots; the key file is made when there is none."""
    keys = verifying_keys(key_file, create=True)
    return keys[0]


def verifying_keys(key_file: Path | None, create: bool = False) -> list[bytes]:
    """Every key a snapshot may be signed with (the signing key first)."""
    from_env = os.environ.get(ENV, "").strip()
    if from_env:
        return [_checked(from_env, f"${ENV}")]
    if key_file is None:
        raise SearchdError(f"no snapshot key: set ${ENV} or [snapshot] key_file")
    if create and not key_file.exists():
        _create(key_file)
    try:
        lines = read_regular(key_file, MAX_KEY_FILE).decode("utf-8").splitlines()
    except FileNotFoundError:
        raise SearchdError(f"no snapshot key at {key_file} (nor ${ENV}): this installation "
                           "has signed no snapshot; a snapshot is restored only with the "
                           "key that signed it") from None
    except (OSError, UnicodeDecodeError, SeedError) as exc:
        raise SearchdError(f"cannot read the snapshot key file {key_file}: {exc}") from exc
    keys = [_checked(line.strip(), str(key_file)) for line in lines if line.strip()
            and not line.lstrip().startswith("#")]
    if not keys:
        raise SearchdError(f"the snapshot key file {key_file} holds no key")
    return keys


def _checked(key: str, where: str) -> bytes:
    if len(key) < MIN_KEY:
        raise SearchdError(f"a snapshot key in {where} is shorter than {MIN_KEY} characters")
    return key.encode("utf-8")


def _create(key_file: Path) -> None:
    """A new random key, readable by its owner alone."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # made by another process meanwhile
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# searchd snapshot keys: the first signs, every line verifies\n")
        fh.write(secrets.token_hex(32) + "\n")


def sign(key: bytes, record: bytes) -> str:
    """The HMAC-SHA256 of record under key, in hex."""
    return hmac.new(key, record, hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short public name of a key (which key signed a snapshot), not the key."""
    return hashlib.sha256(b"searchd key id\0" + key).hexdigest()[:12]


def verified(keys: list[bytes], record: bytes, signature: str) -> bool:
    """True when one of keys made signature over record."""
    return any(hmac.compare_digest(sign(key, record), signature) for key in keys)
