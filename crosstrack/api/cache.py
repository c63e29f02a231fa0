"""The answers of /api/v1/query kept for the release being served (performance only)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from crosstrack.api.catalog import Catalog


class ResponseCache:
    """Performance only: the rendered answers of /api/v1/query for the release being served, least recently used
    dropped first (at most `max_bytes` in all, none larger than `max_entry_bytes`).

    A published file never changes; a new publication is a new file, which comes with a new catalog object. An
    answer is stored with the catalog it was computed from and given only to a request holding that same catalog,
    and the first request on a new catalog empties the cache, so a reopened release never sees an old answer.
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024, max_entry_bytes: int = 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._entries: OrderedDict[tuple, tuple[bytes, str, dict[str, str]]] = OrderedDict()
        self._bytes = 0

    def get(self, catalog: Catalog, key: tuple) -> tuple[bytes, str, dict[str, str]] | None:
        with self._lock:
            if catalog is not self._catalog:
                self._catalog = catalog
                self._entries.clear()
                self._bytes = 0
                return None
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, catalog: Catalog, key: tuple, entry: tuple[bytes, str, dict[str, str]]) -> None:
        size = len(entry[0])
        if size > self.max_entry_bytes:
            return
        with self._lock:
            if catalog is not self._catalog or key in self._entries:
                return
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (dropped, _, _) = self._entries.popitem(last=False)
                self._bytes -= len(dropped)
