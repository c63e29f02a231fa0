"""The answers of /api/v1/query kept for the release being served (performance only)."""

from __future__ import annotations

import threading

from cachetools import LRUCache

from crosstrack.api.catalog import Catalog

Entry = tuple[bytes, str, dict[str, str]]  # body, media type, headers


def _entry_bytes(entry: Entry) -> int:
    return len(entry[0])


class ResponseCache:
    """Performance only: the rendered answers of /api/v1/query for the release being served, least recently used
    dropped first (cachetools' LRUCache sized in bytes: at most `max_bytes` in all, none larger than
    `max_entry_bytes`).

    A published file never changes; a new publication is a new file, which comes with a new catalog object. An
    answer is stored with the catalog it was computed from and given only to a request holding that same catalog,
    and the first request on a new catalog empties the cache, so a reopened release never sees an old answer.
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024, max_entry_bytes: int = 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe
        self._catalog: Catalog | None = None
        self._entries: LRUCache[tuple, Entry] = LRUCache(maxsize=max_bytes, getsizeof=_entry_bytes)

    @property
    def size_bytes(self) -> int:
        return int(self._entries.currsize)

    def get(self, catalog: Catalog, key: tuple) -> Entry | None:
        with self._lock:
            if catalog is not self._catalog:
                self._catalog = catalog
                self._entries.clear()
                return None
            return self._entries.get(key)

    def put(self, catalog: Catalog, key: tuple, entry: Entry) -> None:
        if _entry_bytes(entry) > self.max_entry_bytes:
            return
        with self._lock:
            if catalog is not self._catalog or key in self._entries:
                return
            self._entries[key] = entry
