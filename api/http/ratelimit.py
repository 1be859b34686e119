"""A per-client token bucket for the anonymous endpoints (public reports).

Each client (by address) holds up to ``limit`` tokens, refilled continuously at ``limit`` per ``window_s``; a
request spends one or is refused with the seconds until the next token. State is in memory, per server process:
enough to stop a script flooding the ledger from one address, which is the point — every accepted report is a
permanent signed record. Memory stays bounded: full buckets are forgotten when the table grows large.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from api.http.errors import RateLimitedError

__all__ = ["RateLimiter"]

_MAX_CLIENTS = 50_000


class RateLimiter:
    def __init__(self, limit: int, window_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("a rate limit needs limit ≥ 1 and a positive window")
        self.limit = limit
        self.rate = limit / window_s  # tokens per second
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, when)
        self._lock = threading.Lock()

    def spend(self, client: str) -> None:
        """Take one token for ``client`` or raise :class:`RateLimitedError` with ``retry_after`` seconds."""
        now = self.clock()
        with self._lock:
            tokens = self._tokens(client, now)
            if tokens < 1:
                wait = math.ceil((1 - tokens) / self.rate)
                raise RateLimitedError(f"too many reports from this client; try again in {wait} s", retry_after=wait)
            self._buckets[client] = (tokens - 1, now)
            if len(self._buckets) > _MAX_CLIENTS:
                self._forget_full(now)

    def _tokens(self, client: str, now: float) -> float:
        tokens, when = self._buckets.get(client, (float(self.limit), now))
        return min(float(self.limit), tokens + (now - when) * self.rate)

    def _forget_full(self, now: float) -> None:
        for client in [c for c in self._buckets if self._tokens(c, now) >= self.limit]:
            del self._buckets[client]
