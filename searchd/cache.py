"""A thread-safe least-recently-used cache bounded by the summed size of its values (used
for decoded postings, segment tables and whole search results)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


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
