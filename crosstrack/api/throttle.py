"""Abuse limits of the restricted endpoint (the `limits` library's moving windows): failed key checks per client
address and per key id, checked before the expensive scrypt verification so that junk keys cost little, and
restricted lookups per key. Beyond a limit the answer is 429 with Retry-After.

The windows are kept on disk (`diskcache`, SQLite transactions) in one folder that every worker process of a
server opens, so a limit holds for the whole server, not for each of its workers.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import ClassVar

import diskcache
from limits import RateLimitItem, parse
from limits.storage import MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter

from crosstrack.api.errors import ApiError


class SharedWindows(Storage, MovingWindowSupport):
    """A `limits` storage for moving windows shared by the processes that open the same folder: each key holds
    the times of its entries, newest first, read and written in one diskcache (SQLite) transaction."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["crosstrack-shared"]  # the name `limits` registers it under

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self._cache = diskcache.Cache(str(directory))

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return diskcache.Timeout

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self._cache.transact():
            times = [t for t in self._cache.get(key, ()) if t > now - expiry]
            if len(times) + amount > limit:
                return False
            self._cache.set(key, [now] * amount + times, expire=expiry)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        times = [t for t in self._cache.get(key, ()) if t > now - expiry]
        return (times[-1], len(times)) if times else (now, 0)

    # The fixed-window part of the interface (the moving-window limiter does not use it).
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self._cache.transact():
            count = int(self._cache.get(key, 0)) + amount
            self._cache.set(key, count, expire=expiry)
        return count

    def get(self, key: str) -> int:
        value = self._cache.get(key, 0)
        return value if isinstance(value, int) else len(value)

    def get_expiry(self, key: str) -> float:
        _, expire_time = self._cache.get(key, expire_time=True)
        return float(expire_time or time.time())

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        return self._cache.clear()

    def clear(self, key: str) -> None:
        self._cache.delete(key)


class Throttle:
    def __init__(self, failed_key_limit: str, restricted_limit: str, directory: Path) -> None:
        self._limiter = MovingWindowRateLimiter(SharedWindows(directory))
        self.failed_key_limit = parse(failed_key_limit)
        self.restricted_limit = parse(restricted_limit)

    def before_key_check(self, client: str | None, key_id: str | None) -> None:
        """429 when this client address or this key id has used up its failed key checks."""
        for scope in _failure_scopes(client, key_id):
            self._refuse_if_spent(self.failed_key_limit, scope, "too many failed key checks")

    def key_check_failed(self, client: str | None, key_id: str | None) -> None:
        for scope in _failure_scopes(client, key_id):
            self._limiter.hit(self.failed_key_limit, *scope)

    def restricted_lookup(self, key_id: str) -> None:
        """Count one restricted lookup of this key; 429 when it is over its limit."""
        if not self._limiter.hit(self.restricted_limit, "lookup", key_id):
            self._refuse(self.restricted_limit, ("lookup", key_id), "too many restricted lookups for this key")

    def _refuse_if_spent(self, item: RateLimitItem, scope: tuple[str, ...], message: str) -> None:
        if not self._limiter.test(item, *scope):
            self._refuse(item, scope, message)

    def _refuse(self, item: RateLimitItem, scope: tuple[str, ...], message: str) -> None:
        reset_at = self._limiter.get_window_stats(item, *scope).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise ApiError(
            f"{message}; try again in {retry_after} s",
            "X-API-Key",
            status=429,
            headers={"Retry-After": str(retry_after)},
        )


def _failure_scopes(client: str | None, key_id: str | None) -> list[tuple[str, ...]]:
    scopes = [("failed-client", client or "unknown")]
    if key_id is not None:
        scopes.append(("failed-key", key_id))
    return scopes


def limits_folder(audit_log: Path) -> Path:
    """The folder of the shared windows: beside the audit log, which every worker of one server writes."""
    return audit_log.with_name(audit_log.name + ".limits")
