"""Abuse limits of the restricted endpoint (the `limits` library, moving windows in memory, per server process):
failed key checks per client address and per key id, checked before the expensive scrypt verification so that
junk keys cost little, and restricted lookups per key. Beyond a limit the answer is 429 with Retry-After."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from crosstrack.api.errors import ApiError


class Throttle:
    def __init__(self, failed_key_limit: str, restricted_limit: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
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
