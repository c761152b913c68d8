"""Which shard a document belongs to: a stable hash of its id (the same in every process,
on every machine and in every Python version), so that a sync routes each changed file to
the shard that holds it, and a document never moves while the number of shards stays."""

from __future__ import annotations

import hashlib
from collections.abc import Callable


def shard_of(doc_id: str, shards: int) -> int:
    """The shard (0 .. shards - 1) of a document id."""
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8,
                             person=b"searchd-shard").digest()
    return int.from_bytes(digest, "big") % shards


def in_shard(shard: tuple[int, int] | None) -> Callable[[str], bool]:
    """The test of an id for one shard (shard, of shards); every id when shard is None."""
    if shard is None:
        return lambda doc_id: True
    number, count = shard
    return lambda doc_id: shard_of(doc_id, count) == number
