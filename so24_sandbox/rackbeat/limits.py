"""The per-token request budget of the emulated API: 429 with Retry-After past it.

Rackbeat publishes no number; its own Laravel clients default to 480 requests a minute per token
and read `X-RateLimit-Limit` / `X-RateLimit-Remaining`, so the sandbox sends those and answers 429
with `Retry-After` (whole seconds) when the budget is spent. The algorithm is not documented
either; the sandbox refills `per_minute / 60` requests a second up to `burst` (default: a full
minute's budget), so `Retry-After` is the wait until the next request is allowed. Tests lower
the budget through POST /_sandbox/rackbeat/limits {"per_minute": n, "burst": b}.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_PER_MINUTE = 480


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


class RequestBudget:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.configure(DEFAULT_PER_MINUTE)

    def configure(self, per_minute: int, burst: int | None = None) -> dict:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        if burst is not None and burst < 1:
            raise ValueError("burst must be at least 1")
        with self._lock:
            self.per_minute = per_minute
            self.burst = burst or per_minute
            self._tokens = float(self.burst)
            self._stamp = self._clock()
            self.allowed = 0
            self.throttled = 0
            return self._describe()

    def take(self) -> Verdict:
        with self._lock:
            now = self._clock()
            rate = self.per_minute / 60.0
            self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                self.allowed += 1
                return Verdict(True, self.per_minute, int(self._tokens), 0)
            self.throttled += 1
            wait = math.ceil((1.0 - self._tokens) / rate)
            return Verdict(False, self.per_minute, 0, max(1, wait))

    def describe(self) -> dict:
        with self._lock:
            return self._describe()

    def _describe(self) -> dict:
        return {
            "per_minute": self.per_minute,
            "burst": self.burst,
            "allowed": self.allowed,
            "throttled": self.throttled,
        }
