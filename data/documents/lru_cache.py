"""A small least-recently-used cache with optional time-to-live.

Written for kvlab as a seed document: the benchmark asks a model to review,
explain and extend it over several turns.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Generic, Hashable, Optional, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0
    expirations: int = 0

    @property
    def hit_ratio(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class LRUCache(Generic[K, V]):
    """Maps keys to values, evicting the least recently used entry when full.

    Every successful lookup moves the entry to the "recent" end of the order.
    Entries older than ``ttl`` seconds (when given) count as misses and are
    dropped lazily, the next time someone looks at them.
    """

    def __init__(
        self,
        capacity: int,
        ttl: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
        on_evict: Optional[Callable[[K, V], None]] = None,
    ) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, got {capacity}")
        self._capacity = capacity
        self._ttl = ttl
        self._clock = clock
        self._on_evict = on_evict
        self._entries: "OrderedDict[K, tuple[V, float]]" = OrderedDict()
        self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries and not self._expired(key)  # type: ignore[arg-type]

    def _expired(self, key: K) -> bool:
        if self._ttl is None:
            return False
        _, stored_at = self._entries[key]
        return self._clock() - stored_at > self._ttl

    def get(self, key: K, default: Optional[V] = None) -> Optional[V]:
        if key not in self._entries:
            self.stats.misses += 1
            return default
        if self._expired(key):
            del self._entries[key]
            self.stats.expirations += 1
            self.stats.misses += 1
            return default
        self._entries.move_to_end(key)
        self.stats.hits += 1
        return self._entries[key][0]

    def put(self, key: K, value: V) -> None:
        if key in self._entries:
            self._entries.move_to_end(key)
        self._entries[key] = (value, self._clock())
        while len(self._entries) > self._capacity:
            old_key, (old_value, _) = self._entries.popitem(last=False)
            self.stats.evictions += 1
            if self._on_evict is not None:
                self._on_evict(old_key, old_value)

    def get_or_compute(self, key: K, compute: Callable[[K], V]) -> V:
        """Return the cached value, computing and storing it on a miss."""
        value = self.get(key)
        if value is None:
            value = compute(key)
            self.put(key, value)
        return value

    def pop(self, key: K) -> Optional[V]:
        entry = self._entries.pop(key, None)
        return None if entry is None else entry[0]

    def clear(self) -> None:
        self._entries.clear()


if __name__ == "__main__":
    fake_now = [0.0]
    cache: LRUCache[str, int] = LRUCache(2, ttl=10.0, clock=lambda: fake_now[0])
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")          # "a" becomes the most recent entry
    cache.put("c", 3)       # evicts "b"
    assert "b" not in cache
    fake_now[0] = 11.0      # everything is now older than the ttl
    assert cache.get("a") is None
    print(cache.stats, f"hit ratio {cache.stats.hit_ratio:.2f}")
