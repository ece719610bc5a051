"""Rendered HTML kept in memory, bounded by its size: the same text is rendered once.

A thread page renders every answer of the thread on each load, and a highlighted answer
costs a few times what plain markdown did; most loads show answers rendered before. The
cache is per process (no network round trip for hundreds of kilobytes of HTML) and
bounded by the bytes it holds, so memory stays flat whatever the threads hold.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable


def digest(*parts: object) -> str:
    blob = "\x00".join(map(str, parts)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(blob, digest_size=20).hexdigest()


class SizedCache:
    """Least recently used first out, once the values hold more than `max_chars`."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._items: OrderedDict[str, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get_or_make(self, key: str, make: Callable[[], str]) -> str:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
                return value
        value = make()
        if len(value) <= self.max_chars // 8:  # one huge text does not empty the cache
            with self._lock:
                if key not in self._items:
                    self._items[key] = value
                    self._chars += len(value)
                while self._chars > self.max_chars:
                    _, dropped = self._items.popitem(last=False)
                    self._chars -= len(dropped)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0
