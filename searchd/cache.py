"""Caches bounded in bytes: a thread-safe least-recently-used cache bounded by the summed
size of its values (decoded postings, segment tables, whole search results), and word_cache,
functools.lru_cache for the functions of one word that keeps only short words (a cache of
16,384 entries keyed by words of up to 1,000 characters held tens of MB each, and a stream
of distinct made-up words filled every one of them)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache, wraps
from typing import Any, TypeVar, cast

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
MAX_KEY_CHARS = 40  # words longer than this are analysed each time, not kept
WORD_CACHE_SIZE = 1 << 14


def word_cache(maxsize: int = WORD_CACHE_SIZE) -> Callable[[F], F]:
    """functools.lru_cache(maxsize) for a function whose first argument is a word; a word
    of more than MAX_KEY_CHARS characters is computed each time and not kept, so the cache
    holds at most maxsize short keys (Dutch words of more letters are rare)."""
    def decorate(fn: F) -> F:
        cached = lru_cache(maxsize=maxsize)(fn)

        @wraps(fn)
        def call(word: str, *args: Any) -> Any:
            if len(word) > MAX_KEY_CHARS:
                return fn(word, *args)
            return cached(word, *args)

        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return cast(F, call)
    return decorate


class SizedLRU:
    """Values kept under keys, the least recently used dropped first once their sizes add
    up to more than capacity. A capacity of 0 keeps nothing."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], tuple[T, int]]) -> T:
        """The value under key; when missing, make() gives (value, size) and it is kept
        (two threads missing at once may both make it; one is kept)."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                return item[0]
        value, size = make()
        with self._lock:
            if key not in self._items and size <= self.capacity:
                self._items[key] = (value, size)
                self._size += size
                while self._size > self.capacity:
                    _, (_, dropped) = self._items.popitem(last=False)
                    self._size -= dropped
        return value

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def size(self) -> int:
        """The summed size of the values kept."""
        return self._size

    def clear(self) -> None:
        """Drop every value."""
        with self._lock:
            self._items.clear()
            self._size = 0
